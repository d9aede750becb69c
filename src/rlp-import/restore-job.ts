// restore-snapshot's job: stream the archive (never stored whole), hash it, gunzip when needed,
// extract into a staging dir inside --data-dir, verify, then move the entries into place and write
// the marker. Any failure before the move removes the staging dir and leaves the data dir untouched.
import { createHash } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { access, mkdtemp, readdir, rename, rm, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LuxopsError } from '../core/errors.js';
import { ensureDir, writeFileAtomic } from '../core/files.js';
import { withRetry } from '../core/retry.js';
import { sourceFor, splitObjectUrl } from './object-source.js';
import { extractInto, newExtract } from './tar-extract.js';
import { createDecompressor, formatOfName } from '../snapshot/compress.js';
import type { RestoreSnapshotConfig } from './restore-options.js';

export interface RestoreResult {
  status: 'restored' | 'skipped';
  reason?: string;
  entries?: number;
  bytes?: number;
  sha256?: string;
}

/** `<data-dir>/.restore-snapshot.done` unless --marker says otherwise. */
export function restoreMarkerPath(config: RestoreSnapshotConfig): string {
  return config.marker ?? join(config.dataDir, '.restore-snapshot.done');
}

/** Move every entry of `from` into `to`: new names are renamed, directories merged, files replaced. */
export async function moveInto(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    const [s, d] = await Promise.all([lstat(src), lstat(dst).catch(() => undefined)]);
    if (d && d.isDirectory() && s.isDirectory()) {
      await moveInto(src, dst);
      continue;
    }
    if (d && d.isDirectory() !== s.isDirectory()) await rm(dst, { recursive: true, force: true });
    await rename(src, dst);
  }
}

/** Run the restore; throws LuxopsError (E_UNSAFE_ARCHIVE, E_CHECKSUM_MISMATCH, E_ARCHIVE_CORRUPT...). */
export async function runRestoreSnapshot(config: RestoreSnapshotConfig, ctx: { log: Logger; signal: AbortSignal; env: Readonly<Record<string, string | undefined>> }): Promise<RestoreResult> {
  const { log, signal } = ctx;
  const marker = restoreMarkerPath(config);
  if (await access(marker).then(() => true, () => false)) {
    log.info({ marker }, 'marker exists; nothing to do');
    return { status: 'skipped', reason: `marker ${marker} exists` };
  }
  await ensureDir(config.dataDir, 0o755);
  const { base, name } = splitObjectUrl(config.url);
  const source = sourceFor(base, { s3Endpoint: config.s3Endpoint, s3Region: config.s3Region, env: ctx.env, log });
  const staging = await mkdtemp(join(config.dataDir, '.restore-snapshot.tmp-'));
  const started = Date.now();
  try {
    const res = await withRetry(() => source.get(name, 0, signal), { retries: config.retries, signal });
    const hash = createHash('sha256');
    let bytes = 0;
    let head: Buffer | undefined;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        head ??= chunk.subarray(0, 4);
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const body = Readable.from(res.body as AsyncIterable<Uint8Array>);
    // compression follows the name; a .tar that is really gzip gets a hint in the error
    const format = formatOfName(name.replace(/[?#].*$/, '')) ?? 'tar';
    const gz = format !== 'tar';
    const extract = newExtract();
    // node streams up to the (streamx) tar extractor, which is fed by hand with backpressure
    let chainError: unknown;
    const out: Duplex = format !== 'tar' ? pipeline(body, tap, createDecompressor(format), (e) => (chainError ??= e ?? undefined)) : pipeline(body, tap, (e) => (chainError ??= e ?? undefined));
    const feeding = (async () => {
      for await (const chunk of out) {
        if (extract.destroyed) throw new Error('extraction stopped');
        const ee = extract as unknown as NodeJS.EventEmitter;
        if (!extract.write(chunk)) await Promise.race([once(ee, 'drain'), once(ee, 'close')]);
      }
      if (chainError) throw chainError;
      (extract as unknown as NodeJS.WritableStream).end();
    })();
    let stats;
    try {
      [stats] = await Promise.all([extractInto(extract, staging, config.stripComponents), feeding]);
    } catch (e) {
      out.destroy();
      extract.destroy(new Error('extraction stopped'));
      await feeding.catch(() => undefined);
      if (e instanceof LuxopsError) throw e;
      if (signal.aborted) throw signal.reason ?? e;
      const zstdMagic = head !== undefined && head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd;
      const hint = !gz && head && head[0] === 0x1f && head[1] === 0x8b ? ' (the archive is gzip-compressed; name it .tar.gz or .tgz)' : format !== 'tar.zst' && zstdMagic ? ' (the archive is zstd-compressed; name it .tar.zst)' : '';
      throw new LuxopsError('E_ARCHIVE_CORRUPT', `cannot read ${source.describe(name)} as ${format}: ${(e as Error).message}${hint}`, { cause: e });
    }
    const sha256 = hash.digest('hex');
    if (config.sha256 && sha256 !== config.sha256.toLowerCase()) {
      throw new LuxopsError('E_CHECKSUM_MISMATCH', `sha256 mismatch for ${source.describe(name)}: expected ${config.sha256.toLowerCase()}, got ${sha256}`);
    }
    await moveInto(staging, config.dataDir);
    await writeFileAtomic(marker, JSON.stringify({ url: config.url, sha256, bytes, entries: stats.entries, files: stats.files, durationMs: Date.now() - started, completedAt: new Date().toISOString() }, null, 2) + '\n', { mode: 0o644, dirMode: 0o755 });
    log.info({ bytes, entries: stats.entries, files: stats.files, sha256, dataDir: config.dataDir }, 'snapshot restored');
    return { status: 'restored', entries: stats.entries, bytes, sha256 };
  } finally {
    await rm(staging, { recursive: true, force: true });
    await source.close();
  }
}
