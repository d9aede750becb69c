// sha256sum-format checksum files: read (small, bounded) through an ObjectSource and parsed into
// name -> digest; rlp-import matches them to its parts and file, restore-snapshot to its archive.
import { LuxopsError } from '../core/errors.js';
import type { ObjectSource } from './types.js';

/** `hex  name` / `hex *name` lines -> name (basename) -> lower-case hex. */
export function parseSha256Sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/.exec(line);
    if (!m) continue;
    const name = m[2]!.replace(/^\.\//, '');
    out.set(name.slice(name.lastIndexOf('/') + 1), m[1]!.toLowerCase());
  }
  return out;
}

/** Read the whole checksums object (small) through the same source as the parts. */
export async function fetchChecksums(source: ObjectSource, name: string, signal: AbortSignal): Promise<string> {
  const res = await source.get(name, 0, signal);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += c.length;
    if (n > 4 << 20) {
      res.body.destroy?.();
      throw new LuxopsError('E_CHECKSUMS_TOO_LARGE', `${source.describe(name)} is larger than 4 MiB; is --checksums-url a sha256sum file?`);
    }
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks).toString('utf8');
}
