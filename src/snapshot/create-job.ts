// snapshot-create's job: refuse a live data dir, walk the selection, then stream
// tar -> gzip|zstd -> sha256 tap -> upload, with progress lines, and publish `<name>.sha256` once
// the archive object is complete. Nothing is staged on disk; memory is the upload's parts in flight.
import { createHash } from 'node:crypto';
import { Transform, pipeline } from 'node:stream';
import type { Logger } from 'pino';
import { LuxopsError } from '../core/errors.js';
import { createCompressor, defaultLevel, formatOfName } from './compress.js';
import type { ArchiveFormat } from './compress.js';
import { checkLive, describeHolders } from './live-check.js';
import { createSink } from './create-sink.js';
import { packEntries, selectEntries } from './tar-source.js';
import type { SnapshotCreateConfig } from './create-options.js';

export interface CreateContext {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** this process (left out of the live-luxd scan) */
  readonly selfPid: number;
  readonly progressIntervalMs?: number;
  /** /proc (tests point it elsewhere) */
  readonly procRoot?: string;
}

export interface CreateResult {
  readonly to: string;
  readonly checksumTo: string;
  readonly sha256: string;
  /** file bytes read */
  readonly bytes: number;
  /** archive bytes written */
  readonly archiveBytes: number;
  readonly entries: number;
  readonly parts: number;
  readonly durationMs: number;
}

// S3 allows 10,000 parts; stay clear of it even when the data does not compress at all
const MAX_PARTS = 9000;

/** The format --format and the name in --to agree on; throws a usage-level error otherwise. */
export function resolveFormat(format: string, to: string): Exclude<ArchiveFormat, 'tar'> {
  const path = to.startsWith('s3://') ? to : new URL(to).pathname;
  const byName = formatOfName(path);
  if (byName === 'tar') throw new LuxopsError('E_BAD_OPTION', `invalid value for --to: ${JSON.stringify(path.slice(path.lastIndexOf('/') + 1))}: snapshot-create writes compressed archives; name it .tar.gz or .tar.zst`, { exitCode: 2 });
  if (format === 'auto') {
    if (byName === undefined) throw new LuxopsError('E_BAD_OPTION', `invalid value for --to: the name must end in .tar.gz, .tgz, .tar.zst or .tzst (restore-snapshot reads the format from the name)`, { exitCode: 2 });
    return byName;
  }
  if (byName !== format) {
    throw new LuxopsError('E_BAD_OPTION', `--format ${format} does not match the name in --to (${byName ?? 'no archive extension'}); restore-snapshot reads the format from the name: name it .${format}`, { exitCode: 2 });
  }
  return format as Exclude<ArchiveFormat, 'tar'>;
}

export async function runSnapshotCreate(config: SnapshotCreateConfig, ctx: CreateContext): Promise<CreateResult> {
  const { log, signal } = ctx;
  const started = Date.now();
  const format = resolveFormat(config.format, config.to);
  const level = config.level ?? defaultLevel(format);

  const live = await checkLive(config.dataDir, { selfPid: ctx.selfPid, ...(ctx.procRoot ? { procRoot: ctx.procRoot } : {}) });
  for (const b of live.blind) log.warn({ dataDir: config.dataDir }, `live-luxd check incomplete: ${b}`);
  if (live.holders.length > 0) {
    const what = describeHolders(live.holders);
    if (!config.allowLive) {
      throw new LuxopsError('E_DATA_DIR_LIVE', `refusing to snapshot ${config.dataDir}: a luxd is using it (${what}); a copy of a running node's database is not a snapshot: stop luxd first, or snapshot a clone of its volume (deploy/components/snapshot-create), or pass --allow-live to copy it anyway`, { details: { holders: live.holders.length } });
    }
    log.warn({ dataDir: config.dataDir }, `--allow-live: copying a data dir in use (${what}); the archive is not a consistent snapshot`);
  }

  const sel = await selectEntries({ dataDir: config.dataDir, include: config.include, exclude: config.exclude, includeKeys: config.includeKeys });
  if (sel.skipped.length > 0) log.info({ skipped: sel.skipped.length, paths: sel.skipped.slice(0, 20).map((s) => `${s.rel} (${s.why})`) }, `left out ${sel.skipped.length} path(s)`);
  if (sel.entries.length === 0) throw new LuxopsError('E_NOTHING_TO_SNAPSHOT', `nothing to snapshot in ${config.dataDir} (every path was left out)`, { exitCode: 2 });

  // raw size + tar overhead bounds the archive (zstd and gzip add little even to random data)
  const bound = sel.totalBytes + sel.entries.length * 1536 + (1 << 20);
  const partSize = Math.max(config.partSize, Math.ceil(bound / MAX_PARTS / (1 << 20)) * (1 << 20));
  if (partSize !== config.partSize && config.to.startsWith('s3://')) log.info({ partSize, requested: config.partSize }, 'part size raised to stay under the S3 part limit');

  const sink = await createSink(config.to, {
    s3Endpoint: config.s3Endpoint, s3Region: config.s3Region, partSize, concurrency: config.uploadConcurrency,
    contentType: format === 'tar.zst' ? 'application/zstd' : 'application/gzip', env: ctx.env, log,
  });
  log.info({ dataDir: config.dataDir, to: sink.describe, checksumTo: sink.describeChecksum, format, level, entries: sel.entries.length, totalBytes: sel.totalBytes }, `snapshot-create: ${sel.entries.length} entries, ${sel.totalBytes} bytes -> ${sink.describe}`);

  let bytes = 0;
  let entries = 0;
  let archiveBytes = 0;
  let sent = 0;
  const hash = createHash('sha256');
  const ac = new AbortController();
  const onAbort = () => ac.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const source = packEntries(sel.entries, { allowLive: config.allowLive, log, signal: ac.signal, onBytes: (n) => (bytes += n), onEntry: () => entries++ });
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      archiveBytes += chunk.length;
      cb(null, chunk);
    },
  });
  let streamError: Error | undefined;
  const compressor = createCompressor(format, level);
  const body = pipeline(source, compressor, tap, (e) => {
    if (e) streamError ??= e;
  });
  // the pipeline callback keeps the first error; a consumer that stopped reading (a refused upload)
  // destroys the chain, and the streams' late 'Premature close' events must not become uncaught
  for (const s of [source, compressor, tap]) s.on('error', () => undefined);
  let last = { t: Date.now(), bytes: 0 };
  const progress = setInterval(() => {
    const t = Date.now();
    const rateBps = Math.round(((bytes - last.bytes) * 1000) / Math.max(1, t - last.t));
    last = { t, bytes };
    const etaS = rateBps > 0 ? Math.round((sel.totalBytes - bytes) / rateBps) : undefined;
    log.info({ bytes, totalBytes: sel.totalBytes, archiveBytes, sentBytes: sent, rateBps, etaS, entries, totalEntries: sel.entries.length }, 'snapshotting');
  }, ctx.progressIntervalMs ?? 5000);
  try {
    let up;
    try {
      up = await sink.upload(body, ac.signal, (n) => (sent = n));
    } catch (e) {
      // the archive stream's own error (a changed file, a refusal) says more than the upload's
      throw streamError instanceof LuxopsError ? streamError : e;
    }
    if (streamError) throw streamError;
    if (entries !== sel.entries.length || (!config.allowLive && bytes !== sel.totalBytes)) {
      throw new LuxopsError('E_INTERNAL', `archive incomplete: ${entries}/${sel.entries.length} entries, ${bytes}/${sel.totalBytes} bytes`);
    }
    const sha256 = hash.digest('hex');
    const name = sink.describe.slice(sink.describe.lastIndexOf('/') + 1).split('?')[0]!;
    await sink.putChecksum(`${sha256}  ${decodeURIComponent(name)}\n`, ac.signal);
    const durationMs = Date.now() - started;
    log.info({ to: sink.describe, checksumTo: sink.describeChecksum, sha256, bytes, archiveBytes, ratio: bytes > 0 ? Math.round((archiveBytes / bytes) * 1000) / 1000 : null, entries, parts: up.parts, durationMs }, 'snapshot created');
    return { to: sink.describe, checksumTo: sink.describeChecksum, sha256, bytes, archiveBytes, entries, parts: up.parts, durationMs };
  } finally {
    clearInterval(progress);
    signal.removeEventListener('abort', onAbort);
    // stop the producer whatever happened (an upload that failed no longer reads the stream)
    ac.abort(new Error('snapshot-create finished'));
    source.destroy();
    body.destroy();
    await sink.close();
  }
}
