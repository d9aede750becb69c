// restore-snapshot's job: stream the archive (never stored whole) in order through sha256, gunzip/zstd
// and a safe tar extractor into a staging dir inside --data-dir; require the archive's end marker
// and at least one entry, resolve every symlink the archive made, check the digest, fsync the
// staged tree, then move the entries into place and write the marker. Any failure before the move
// removes the staging dir and leaves the data dir untouched; a rerun removes staging dirs that
// killed runs left behind. Downloads resume inside the run (ordered-fetch.ts).
import { join, relative, isAbsolute, sep } from 'node:path';
import { rm, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { LuxopsError, errorMessage } from '../core/errors.js';
import { ensureDir, writeFileAtomic, fsyncDir } from '../core/files.js';
import { withRetry } from '../core/retry.js';
import { HttpStatusError } from '../core/http-errors.js';
import { sourceFor, splitObjectUrl } from '../objects/object-source.js';
import type { ObjectSource, RemoteObject } from '../objects/types.js';
import { fetchChecksums, parseSha256Sums } from '../objects/checksums.js';
import { redactUrl } from '../core/redact-url.js';
import { STAGING_PREFIX, createStaging, removeStaleStaging, moveInto, fsyncAll } from './restore-staging.js';
import { RestartFromZero } from './ordered-fetch.js';
import { restoreAttempt, RestoreProgress } from './restore-attempt.js';
import type { AttemptResult } from './restore-attempt.js';
import { formatOfName } from './compress.js';
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

/** A changed object or a server that stops honouring Range restarts the run; not forever. */
const MAX_RESTARTS = 3;
/** memory for ranges fetched ahead of the extractor, whatever --concurrency is (peak RSS <= 150 MB) */
const AHEAD_BYTES = 32 << 20;

/** Entries the archive may not write: the marker (a rerun would skip) and our staging dirs. */
function reservedPaths(dataDir: string, marker: string): (rel: string) => boolean {
  const m = relative(dataDir, marker);
  const markerRel = m === '' || m.startsWith(`..${sep}`) || m === '..' || isAbsolute(m) ? undefined : m.split(sep).join('/');
  return (rel) => rel === markerRel || (markerRel !== undefined && rel.startsWith(`${markerRel}/`)) || rel.split('/')[0]!.startsWith(STAGING_PREFIX);
}

async function expectedSha256(config: RestoreSnapshotConfig, archiveName: string, env: Readonly<Record<string, string | undefined>>, signal: AbortSignal): Promise<string | undefined> {
  if (!config.checksumsUrl) return config.sha256?.toLowerCase();
  const { base, name } = splitObjectUrl(config.checksumsUrl);
  const src = sourceFor(base, { s3Endpoint: config.s3Endpoint, s3Region: config.s3Region, env });
  try {
    const text = await withRetry(() => fetchChecksums(src, name, signal), { retries: config.retries, minTimeoutMs: config.retryDelay, signal });
    const listed = parseSha256Sums(text).get(archiveName);
    if (!listed) throw new LuxopsError('E_CHECKSUMS_NO_MATCH', `${redactUrl(config.checksumsUrl)} (--checksums-url) does not list ${archiveName}`);
    if (config.sha256 && config.sha256.toLowerCase() !== listed) {
      throw new LuxopsError('E_CHECKSUM_CONFLICT', `--sha256 ${config.sha256.toLowerCase()} disagrees with ${redactUrl(config.checksumsUrl)} (${listed}) for ${archiveName}`, { exitCode: 2 });
    }
    return listed;
  } finally {
    await src.close();
  }
}

/** HEAD for size, Range support and version; a server that refuses HEAD (presigned GET URLs) gets plain GETs. */
async function headOf(source: ObjectSource, name: string, config: RestoreSnapshotConfig, signal: AbortSignal): Promise<RemoteObject | undefined> {
  try {
    const h = await withRetry(() => source.head(name, signal), { retries: config.retries, minTimeoutMs: config.retryDelay, signal });
    if (!h) throw new LuxopsError('E_NOT_FOUND', `${source.describe(name)} does not exist (404); check --url`);
    return h;
  } catch (e) {
    if (e instanceof HttpStatusError && [401, 403, 405, 501].includes(e.status)) return undefined;
    throw e;
  }
}

/** Run the restore; throws LuxopsError (E_UNSAFE_ARCHIVE, E_CHECKSUM_MISMATCH, E_ARCHIVE_CORRUPT...). */
export async function runRestoreSnapshot(config: RestoreSnapshotConfig, ctx: { log: Logger; signal: AbortSignal; env: Readonly<Record<string, string | undefined>> }): Promise<RestoreResult> {
  const { log, signal } = ctx;
  const marker = restoreMarkerPath(config);
  if (await stat(marker).then((st) => st.isFile(), () => false)) {
    log.info({ marker }, 'marker exists; nothing to do');
    // a run killed after its marker but before it removed its (then empty) staging dir
    if (await stat(config.dataDir).then((st) => st.isDirectory(), () => false)) await removeStaleStaging(config.dataDir, log);
    return { status: 'skipped', reason: `marker ${marker} exists` };
  }
  await ensureDir(config.dataDir, 0o755);
  await removeStaleStaging(config.dataDir, log);
  const { base, name } = splitObjectUrl(config.url);
  const pathname = name.replace(/[?#].*$/, '');
  const format = formatOfName(pathname) ?? 'tar';
  const url = redactUrl(config.url);
  const source = sourceFor(base, { s3Endpoint: config.s3Endpoint, s3Region: config.s3Region, env: ctx.env, log });
  const started = Date.now();
  const progress = new RestoreProgress(log, config.progressInterval);
  try {
    const expected = await expectedSha256(config, decodeURIComponent(pathname), ctx.env, signal);
    const chunkBytes = Math.max(1 << 20, Math.min(16 << 20, Math.floor(AHEAD_BYTES / config.concurrency)));
    let singleStream = false;
    for (let restarts = 0; ; restarts++) {
      // (again after a restart: the object may have been replaced)
      const head = await headOf(source, name, config, signal);
      if (restarts === 0) {
        log.info({ url, totalBytes: head?.size, concurrency: config.concurrency, ranges: head?.acceptRanges ?? false, dataDir: config.dataDir }, 'restoring snapshot');
        progress.start(head?.size);
      }
      const staging = await createStaging(config.dataDir);
      let attempt: AttemptResult | undefined;
      try {
        const r = (attempt = await restoreAttempt({
          source, name, head, staging, format, strip: config.stripComponents, reserved: reservedPaths(config.dataDir, marker), singleStream,
          concurrency: config.concurrency, chunkBytes, retries: config.retries, retryDelayMs: config.retryDelay, stallTimeoutMs: config.stallTimeout,
          log, signal, progress,
        }));
        const sha256 = r.sha256;
        if (r.stats.entries === 0 && !config.allowEmpty) {
          throw new LuxopsError('E_ARCHIVE_EMPTY', `${url} has no entries${config.stripComponents > 0 ? ` left after --strip-components ${config.stripComponents}` : ''}; nothing was restored (pass --allow-empty if that is intended)`);
        }
        if (expected !== undefined && sha256 !== expected) {
          throw new LuxopsError('E_CHECKSUM_MISMATCH', `sha256 mismatch for ${url}: expected ${expected}, got ${sha256}; nothing was restored`);
        }
        // durable before it becomes visible: the staged files and directories, then the moves
        const syncStarted = Date.now();
        await r.synced.drain();
        await fsyncAll([...r.dirs].map((d) => join(staging, d)));
        const syncMs = Date.now() - syncStarted;
        const touched = await moveInto(staging, config.dataDir);
        await rm(staging, { recursive: true, force: true });
        for (const d of new Set([...touched, config.dataDir])) await fsyncDir(d);
        const verified = [...(expected !== undefined ? ['sha256'] : []), ...(format === 'tar.gz' ? ['gzip-crc32'] : format === 'tar.zst' ? ['zstd-checksum'] : []), 'tar-structure'];
        await writeFileAtomic(marker, JSON.stringify({ url, sha256, verified, bytes: r.bytes, entries: r.stats.entries, files: r.stats.files, durationMs: Date.now() - started, completedAt: new Date().toISOString() }, null, 2) + '\n', { mode: 0o644, dirMode: 0o755 });
        log.info({ bytes: r.bytes, entries: r.stats.entries, files: r.stats.files, skipped: r.stats.skipped, sha256, verified, durationMs: Date.now() - started, syncMs, dataDir: config.dataDir }, 'snapshot restored');
        return { status: 'restored', entries: r.stats.entries, bytes: r.bytes, sha256 };
      } catch (e) {
        await attempt?.synced.stop();
        if (e instanceof RestartFromZero && restarts < MAX_RESTARTS && !signal.aborted) {
          log.warn({ url, reason: e.reason, restart: restarts + 1 }, 'restarting the restore from byte 0');
          singleStream ||= e.singleStream;
          continue;
        }
        if (e instanceof RestartFromZero) throw new LuxopsError('E_DOWNLOAD_FAILED', `${e.reason} (after ${restarts} restarts from byte 0); nothing was restored`);
        throw e;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    }
  } catch (e) {
    if (signal.aborted) throw signal.reason ?? e;
    if (e instanceof LuxopsError) throw e;
    throw new LuxopsError('E_RESTORE_FAILED', `restore of ${url} failed: ${errorMessage(e)}`, { cause: e });
  } finally {
    progress.stop();
    await source.close();
  }
}
