// One pass of a restore from byte 0: fetch the archive in order into sha256 + gunzip + tar reader +
// extractor (staging dir), then require a proper end and resolve the archive's symlinks. Errors
// come out named for the user: the archive's structure (E_ARCHIVE_CORRUPT), an unsafe entry
// (E_UNSAFE_ARCHIVE), the disk (E_WRITE_FAILED), or the download's own errors unchanged.
// Progress lines for the whole restore are kept here too (start line, then every few seconds).
import type { Logger } from 'pino';
import { LuxopsError } from '../core/errors.js';
import type { ObjectSource, RemoteObject } from '../objects/types.js';
import { fetchOrdered } from './ordered-fetch.js';
import { ArchiveSink, ArchiveReadError } from './archive-sink.js';
import { Extractor } from './tar-extract.js';
import type { ExtractStats } from './tar-extract.js';
import { TarFormatError } from './tar-reader.js';
import { BackgroundSync } from './restore-staging.js';
import type { ArchiveFormat } from './compress.js';

/** Logs bytes, totalBytes, rateBps, etaS and entries every `intervalMs` while a restore runs. */
export class RestoreProgress {
  private timer: NodeJS.Timeout | undefined;
  private sink: ArchiveSink | undefined;
  private extractor: Extractor | undefined;
  private received = 0;
  private last = { t: 0, bytes: 0 };

  constructor(private readonly log: Logger, private readonly intervalMs: number) {}

  start(totalBytes: number | undefined): void {
    this.last = { t: Date.now(), bytes: 0 };
    this.timer = setInterval(() => {
      const bytes = this.sink?.bytes ?? 0;
      const t = Date.now();
      const rateBps = Math.round(((bytes - this.last.bytes) * 1000) / Math.max(1, t - this.last.t));
      this.last = { t, bytes };
      const etaS = totalBytes !== undefined && rateBps > 0 ? Math.round((totalBytes - bytes) / rateBps) : undefined;
      this.log.info({ bytes, totalBytes, receivedBytes: this.received, rateBps, etaS, entries: this.extractor?.stats.entries ?? 0 }, 'restoring');
    }, this.intervalMs);
    this.timer.unref();
  }

  /** a (re)started pass: counts begin again */
  attach(sink: ArchiveSink, extractor: Extractor): void {
    this.sink = sink;
    this.extractor = extractor;
    this.received = 0;
    this.last = { t: Date.now(), bytes: 0 };
  }

  onReceived(bytes: number): void {
    this.received = bytes;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface AttemptOptions {
  readonly source: ObjectSource;
  readonly name: string;
  readonly head: RemoteObject | undefined;
  readonly staging: string;
  readonly format: ArchiveFormat;
  readonly strip: number;
  readonly reserved: (rel: string) => boolean;
  readonly singleStream: boolean;
  readonly concurrency: number;
  readonly chunkBytes: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly stallTimeoutMs: number;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly progress: RestoreProgress;
}

export interface AttemptResult {
  /** files fsynced in the background as they were completed: drain before the move */
  readonly synced: BackgroundSync;
  readonly sha256: string;
  readonly bytes: number;
  readonly stats: ExtractStats;
  /** staged directories (relative), for the fsync before the move */
  readonly dirs: ReadonlySet<string>;
}

/** Fetch and extract the whole archive into `o.staging`. */
export async function restoreAttempt(o: AttemptOptions): Promise<AttemptResult> {
  const url = o.source.describe(o.name);
  let skippedLogged = false;
  const synced = new BackgroundSync();
  const extractor = new Extractor({
    staging: o.staging,
    onFileWritten: (path) => synced.add(path),
    strip: o.strip,
    reserved: o.reserved,
    onSkip: (entry) => {
      if (!skippedLogged) o.log.warn({ entry }, 'archive entry not extracted: the path is reserved for the restore marker or its staging dirs');
      skippedLogged = true;
    },
  });
  const sink = new ArchiveSink(extractor, o.format);
  o.progress.attach(sink, extractor);
  try {
    await fetchOrdered({
      source: o.source, name: o.name, head: o.head, concurrency: o.concurrency, chunkBytes: o.chunkBytes, retries: o.retries, retryDelayMs: o.retryDelayMs,
      stallTimeoutMs: o.stallTimeoutMs, singleStream: o.singleStream, signal: o.signal, log: o.log,
      consume: (b, release) => sink.write(b, release),
      onReceived: (n) => o.progress.onReceived(n),
    });
    await sink.end();
    extractor.verifyLinks();
  } catch (e) {
    sink.destroy();
    extractor.closeFile();
    await synced.stop();
    if (e instanceof LuxopsError || o.signal.aborted) throw e;
    if (e instanceof ArchiveReadError || e instanceof TarFormatError) {
      const hint = o.format !== 'tar.gz' && sink.looksGzip ? ' (the archive is gzip-compressed; name it .tar.gz or .tgz)' : o.format !== 'tar.zst' && sink.looksZstd ? ' (the archive is zstd-compressed; name it .tar.zst)' : '';
      throw new LuxopsError('E_ARCHIVE_CORRUPT', `cannot read ${url} as ${o.format}: ${e.message}${hint}; nothing was restored`, { cause: e });
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new LuxopsError(code === 'ENOSPC' ? 'E_NO_SPACE' : 'E_WRITE_FAILED', `cannot extract ${JSON.stringify(extractor.currentEntry)} into ${o.staging}: ${code}; nothing was restored`, { cause: e });
    }
    throw e;
  }
  return { synced, sha256: sink.sha256(), bytes: sink.bytes, stats: extractor.stats, dirs: extractor.dirs };
}
