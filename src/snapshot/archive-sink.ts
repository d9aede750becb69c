// The consuming end of a restore: the archive's bytes, in order, are hashed (sha256 of what was
// downloaded), decompressed (gzip or zstd) when the name says so, and parsed by the tar reader, which
// drives the extractor. Node's zlib runs on libuv's thread pool, so inflating overlaps with receiving
// and writing on the main thread; its output chunk is 256 KiB instead of zlib's 16 KiB default,
// which measured 4-5x less CPU per GiB for gzip (one thread-pool round trip per output chunk).
import { createHash } from 'node:crypto';
import type { Transform } from 'node:stream';
import { createDecompressor } from './compress.js';
import type { ArchiveFormat } from './compress.js';
import { TarReader } from './tar-reader.js';
import { youngGc } from './young-gc.js';
import type { TarHandler } from './tar-reader.js';

const GUNZIP_CHUNK = 256 << 10;
/** gunzip output between two scavenges (young-gc.ts) */
const GC_EVERY = 8 << 20;
/** compressed bytes queued for gunzip before the producer waits */
const GUNZIP_QUEUE = 1 << 20;

/** Why the archive could not be read: the decompressor or the tar structure (not the network). */
export class ArchiveReadError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

export class ArchiveSink {
  private readonly hash = createHash('sha256');
  private readonly gunzip: Transform | undefined;
  readonly tar: TarReader;
  /** archive bytes taken (as downloaded: compressed) */
  bytes = 0;
  /** the first bytes, to tell a gzip stream named .tar */
  private magic: Buffer | undefined;
  private failed: { error: unknown } | undefined;
  private drainWaiter: (() => void) | undefined;
  private sinceGc = 0;

  constructor(handler: TarHandler, private readonly format: ArchiveFormat) {
    this.tar = new TarReader(handler);
    if (format === 'tar') return;
    this.gunzip = createDecompressor(format, { chunkSize: GUNZIP_CHUNK, writableHighWaterMark: GUNZIP_QUEUE });
    this.gunzip.on('data', (out: Buffer) => {
      if (this.failed) return;
      try {
        this.tar.push(out);
      } catch (e) {
        this.fail(e);
      }
      this.sinceGc += out.length;
      if (this.sinceGc >= GC_EVERY) {
        this.sinceGc = 0;
        youngGc();
      }
    });
    this.gunzip.on('error', (e: Error) => this.fail(new ArchiveReadError(`${this.format === 'tar.zst' ? 'zstd' : 'gzip'}: ${e.message}`, e)));
    this.gunzip.on('drain', () => this.wakeProducer());
  }

  private fail(e: unknown): void {
    this.failed ??= { error: e };
    this.gunzip?.destroy();
    this.wakeProducer();
  }

  private wakeProducer(): void {
    const w = this.drainWaiter;
    this.drainWaiter = undefined;
    w?.();
  }

  private check(): void {
    if (this.failed) throw this.failed.error;
  }

  /**
   * Take the next bytes of the archive; `release()` once `b` is no longer referenced (at once for
   * a plain tar, when zlib has consumed it for gzip). Resolves when more may come.
   */
  write(b: Buffer, release: () => void): void | Promise<void> {
    this.check();
    this.magic ??= Buffer.from(b.subarray(0, 4));
    this.hash.update(b);
    this.bytes += b.length;
    if (!this.gunzip) {
      this.tar.push(b);
      release();
      return;
    }
    if (this.gunzip.write(b, () => release())) return;
    // one waiter at a time, woken by 'drain' or a failure: no listener is left behind per wait
    return new Promise<void>((resolve) => (this.drainWaiter = resolve)).then(() => this.check());
  }

  /** The input is complete: flush gunzip, then the archive must have ended properly. */
  async end(): Promise<void> {
    this.check();
    if (this.gunzip) {
      const gz = this.gunzip;
      await new Promise<void>((resolve) => {
        gz.once('end', resolve);
        gz.once('close', resolve);
        gz.end();
      });
      this.check();
    }
    try {
      this.tar.finish();
    } catch (e) {
      throw new ArchiveReadError((e as Error).message, e);
    }
  }

  /** Stop: the run failed elsewhere. */
  destroy(): void {
    this.failed ??= { error: new Error('restore stopped') };
    this.gunzip?.destroy();
  }

  /** An archive whose bytes are gzip's though its name says otherwise: the caller adds a hint. */
  get looksGzip(): boolean {
    return this.magic !== undefined && this.magic[0] === 0x1f && this.magic[1] === 0x8b;
  }

  /** Likewise for a zstd frame (magic 28 b5 2f fd). */
  get looksZstd(): boolean {
    const m = this.magic;
    return m !== undefined && m.length >= 4 && m[0] === 0x28 && m[1] === 0xb5 && m[2] === 0x2f && m[3] === 0xfd;
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}
