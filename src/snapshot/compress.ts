// Archive formats by name, and their node:zlib streams. zstd comes from Node's own zlib (>= 22.15,
// the single executable's Node has it): no native addon, no WASM. The name decides the format on
// both sides (restore-snapshot reads the compression from the URL), so snapshot-create refuses a
// --to whose name would make restore-snapshot read it wrongly.
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { LuxopsError, UsageError } from '../core/errors.js';

export type ArchiveFormat = 'tar' | 'tar.gz' | 'tar.zst';

/** The format a file name says, or undefined. */
export function formatOfName(name: string): ArchiveFormat | undefined {
  if (/\.(tar\.zst|tzst)$/i.test(name)) return 'tar.zst';
  if (/\.(tar\.gz|tgz)$/i.test(name)) return 'tar.gz';
  if (/\.tar$/i.test(name)) return 'tar';
  return undefined;
}

interface ZstdZlib {
  createZstdCompress?: (opts?: { params?: Record<number, number> }) => Transform;
  createZstdDecompress?: (opts?: { params?: Record<number, number> }) => Transform;
  constants: Record<string, number>;
}
const z = zlib as unknown as ZstdZlib;

/** True when this Node has zlib zstd streams (>= 22.15). */
export function hasZstd(): boolean {
  return typeof z.createZstdCompress === 'function' && typeof z.createZstdDecompress === 'function';
}

/** The one-line explanation when zstd is missing. */
export function zstdUnavailable(what: string): string {
  return `${what} needs zstd from Node's zlib (Node >= 22.15); this is Node ${process.version}: run the luxops single executable (it embeds a Node with zstd) or use .tar.gz`;
}

/** Default level per format: gzip's own default; zstd 3 (its default: ~10x gzip -6's speed). */
export function defaultLevel(format: ArchiveFormat): number {
  return format === 'tar.zst' ? 3 : 6;
}

/** The compressor for `format` (a pass-through is never needed: snapshot-create always compresses). */
export function createCompressor(format: Exclude<ArchiveFormat, 'tar'>, level: number): Transform {
  if (format === 'tar.gz') return zlib.createGzip({ level: Math.min(9, Math.max(1, level)) });
  if (!hasZstd()) throw new UsageError(zstdUnavailable('tar.zst'), 'E_ZSTD_UNAVAILABLE');
  const c = z.constants;
  return z.createZstdCompress!({
    params: {
      [c.ZSTD_c_compressionLevel!]: level,
      // a content checksum in the frame: the reader detects a corrupt archive, not only a cut one
      [c.ZSTD_c_checksumFlag!]: 1,
    },
  });
}

/** The decompressor for a compressed format (restore-snapshot). */
export function createDecompressor(format: Exclude<ArchiveFormat, 'tar'>, opts: { chunkSize?: number; writableHighWaterMark?: number } = {}): Transform {
  if (format === 'tar.gz') return zlib.createGunzip(opts as object);
  if (!hasZstd()) throw new LuxopsError('E_ZSTD_UNAVAILABLE', zstdUnavailable('a .tar.zst archive'), { exitCode: 2 });
  return (z.createZstdDecompress as (o?: object) => Transform)(opts);
}
