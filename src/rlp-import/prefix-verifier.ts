// Reads the output's contiguous downloaded prefix as it grows (from the page cache, while later
// parts are still downloading) and feeds it to the sha256 digests and the RLP scanner, so that when
// the last byte lands, verification is nearly done instead of being a second full pass.
import type { FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import type { Gunzip } from 'node:zlib';
import { once } from 'node:events';
import { RlpBlockScanner, RlpScanError } from './rlp-scan.js';
import type { RlpScanResult } from './rlp-scan.js';

/** A part's span in the output (offset known once the parts before it are sized). */
export interface PartSpan {
  readonly name: string;
  offset: number | undefined;
  size: number | undefined;
}

export interface VerifierOptions {
  readonly fh: FileHandle;
  readonly spans: readonly PartSpan[];
  /** run the RLP scan */
  readonly scan: boolean;
  /** the file is gzip: scan through a streaming gunzip */
  readonly gzip: boolean;
  /** compute the whole file's sha256 */
  readonly hashWhole: boolean;
  /** part indexes whose own sha256 is needed */
  readonly hashParts: ReadonlySet<number>;
}

/** A structural problem, located in the output and in the part that holds it. */
export class ValidationFailure extends Error {
  constructor(
    readonly offset: number,
    readonly part: string | undefined,
    readonly reason: string,
    readonly compressedOffset?: number,
  ) {
    super(reason);
  }
}

export interface VerifyResult {
  readonly sha256: string | undefined;
  readonly partSha256: ReadonlyMap<number, string>;
  readonly scan: RlpScanResult | undefined;
}

const READ_SIZE = 1 << 20;
const PAGE = 4096;
// Where in its page the read buffer starts, relative to the file offset being read. A copy from the
// page cache into a buffer at the same offset within a page (page-aligned into page-aligned, what
// a large Buffer and 1 MiB reads give) runs into 4K aliasing: on this project's machines, reading
// 1 GiB back took 0.76-0.88 s that way and 0.19-0.25 s with the destination 64 bytes off.
const SKEW = 64;
/**
 * Reads in flight once the download is over (the pool has 4 threads). While parts still download
 * there is one: the verifier only has to keep pace with the frontier, and more parallel reads would
 * take CPU from the download itself.
 */
const DEPTH = 3;

/** Incremental verifier: call `advance(frontier)` as data lands, `finish(total)` at the end. */
export class PrefixVerifier {
  private pos = 0;
  private target = 0;
  private running: Promise<void> | undefined;
  /** DEPTH + 1 reused read buffers: one per read in flight and the one being checked */
  private readonly bufs: Buffer[] = [];
  private turn = 0;
  private finishing = false;
  /** bytes checked from memory by `live` (the rest was read back) */
  liveBytes = 0;
  private failure: unknown;
  private readonly whole: Hash | undefined;
  private readonly partHash = new Map<number, Hash>();
  private readonly scanner: RlpBlockScanner | undefined;
  private readonly gunzip: Gunzip | undefined;
  /** called once when the scan finds a problem (the downloader aborts early) */
  onFailure: ((e: unknown) => void) | undefined;

  constructor(private readonly o: VerifierOptions) {
    this.whole = o.hashWhole ? createHash('sha256') : undefined;
    for (const i of o.hashParts) this.partHash.set(i, createHash('sha256'));
    this.scanner = o.scan ? new RlpBlockScanner() : undefined;
    if (this.scanner && o.gzip) {
      const scanner = this.scanner;
      this.gunzip = createGunzip({ chunkSize: 1 << 20 });
      this.gunzip.on('data', (d: Buffer) => {
        try {
          scanner.push(d);
        } catch (e) {
          this.fail(e);
          this.gunzip!.destroy();
        }
      });
      this.gunzip.on('error', (e) => this.fail(e));
    }
  }

  /** True when nothing needs the bytes (download-only with --no-validate and no checksums). */
  get idle(): boolean {
    return !this.whole && this.partHash.size === 0 && !this.scanner;
  }

  /** The contiguous prefix [0, frontier) is on disk. */
  advance(frontier: number): void {
    if (this.idle || frontier <= this.target) return;
    this.target = frontier;
    // a failed read (EIO, or the handle closed under a failing download) must not become an
    // unhandled rejection: it is kept, reported once, and thrown by finish() as it is
    this.running ??= this.loop()
      .catch((e: unknown) => {
        if (this.failure !== undefined) return;
        this.failure = e;
        this.onFailure?.(e);
      })
      .finally(() => (this.running = undefined));
  }

  /**
   * Bytes just written at file offset `at`. When they extend the checked prefix exactly (the part
   * at the frontier, nothing pending) they are hashed and scanned from memory now, which spares
   * reading them back; otherwise nothing happens and `advance` reads them later. Not for gzip
   * (its stream is asynchronous). `data` is only used during the call.
   */
  live(at: number, data: Uint8Array): void {
    if (this.idle || this.gunzip || this.running || this.failure !== undefined || at !== this.pos || this.target > this.pos) return;
    this.feedSync(data);
    this.pos += data.length;
    this.target = this.pos;
    this.liveBytes += data.length;
  }

  /** Read to `total`, then finalize digests and the scan; throws ValidationFailure. */
  async finish(total: number): Promise<VerifyResult> {
    this.finishing = true;
    this.advance(total);
    while (this.running) await this.running;
    this.rethrow();
    let scan: RlpScanResult | undefined;
    if (this.gunzip) {
      this.gunzip.end();
      if (!this.gunzip.destroyed) await once(this.gunzip, 'end').catch((e: unknown) => this.fail(e));
      this.rethrow();
    }
    if (this.scanner) {
      try {
        scan = this.scanner.finish();
      } catch (e) {
        this.fail(e);
        this.rethrow();
      }
    }
    const partSha256 = new Map<number, string>();
    for (const [i, h] of this.partHash) partSha256.set(i, h.digest('hex'));
    return { sha256: this.whole?.digest('hex'), partSha256, scan };
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = this.locate(e);
    this.onFailure?.(this.failure);
  }

  /** Turn a scanner/gunzip error into a ValidationFailure naming the part. */
  private locate(e: unknown): ValidationFailure {
    if (this.gunzip) {
      const off = e instanceof RlpScanError ? e.offset : this.scanner?.blocks ?? 0;
      const reason = e instanceof RlpScanError ? e.message : `gzip: ${(e as Error).message}`;
      return new ValidationFailure(e instanceof RlpScanError ? off : -1, this.partAt(this.pos), reason, this.pos);
    }
    const off = e instanceof RlpScanError ? e.offset : this.pos;
    return new ValidationFailure(off, this.partAt(off), (e as Error).message);
  }

  /** The part holding output byte `off`. */
  partAt(off: number): string | undefined {
    for (const s of this.o.spans) {
      if (s.offset === undefined || s.size === undefined) return s.name;
      if (off < s.offset + s.size) return s.name;
    }
    return this.o.spans.at(-1)?.name;
  }

  private async loop(): Promise<void> {
    // After the last byte landed, up to DEPTH reads in flight on the thread pool while the oldest
    // is hashed and scanned: what is left to check then (often 3 of 8 parts) is read on both cores
    // and scanned meanwhile, instead of read, then scanned, in turns.
    const queue: Array<{ p: Promise<Buffer>; len: number }> = [];
    let ahead = this.pos;
    const fill = () => {
      while (queue.length < (this.finishing ? DEPTH : 1) && ahead < this.target) {
        const r = this.read(ahead);
        queue.push(r);
        ahead += r.len;
      }
    };
    try {
      fill();
      while (queue.length > 0 && this.failure === undefined) {
        const { p, len } = queue.shift()!;
        const got = await p;
        if (got.length > 0) {
          fill();
          await this.feed(got);
          this.pos += got.length;
        }
        // a short read: the file ends before the frontier claims; stop this pass (the reads queued
        // behind it start past the end) and let the next advance() or finish() go on from here
        if (got.length < len) return;
        // the frontier may have moved while this buffer was checked
        fill();
      }
    } finally {
      // reads still in flight finish before their buffers are handed out again
      await Promise.allSettled(queue.map((q) => q.p));
    }
  }

  /** Start reading up to READ_SIZE bytes at `at` (below the target). */
  private read(at: number): { p: Promise<Buffer>; len: number } {
    const len = Math.min(READ_SIZE, this.target - at);
    let buf: Buffer;
    if (this.gunzip) {
      // gunzip keeps its input until consumed: a fresh buffer every time
      buf = Buffer.allocUnsafe(len);
    } else {
      // reused buffers (fresh multi-MiB buffers cost page faults and GC); large Buffers start on a
      // page boundary, so the shift keeps the copy SKEW bytes off the file's page offset
      const shift = (at + SKEW) % PAGE;
      const i = this.turn++ % (DEPTH + 1);
      buf = (this.bufs[i] ??= Buffer.allocUnsafeSlow(READ_SIZE + PAGE)).subarray(shift, shift + len);
    }
    return { p: this.o.fh.read(buf, 0, len, at).then(({ bytesRead }) => buf.subarray(0, bytesRead)), len };
  }

  /** Hash and scan `buf`, the bytes at `pos` (not gzip). */
  private feedSync(buf: Uint8Array): void {
    this.whole?.update(buf);
    if (this.partHash.size > 0) this.feedParts(buf);
    if (this.scanner) {
      try {
        this.scanner.push(buf);
      } catch (e) {
        this.fail(e);
      }
    }
  }

  private async feed(buf: Buffer): Promise<void> {
    const gz = this.gunzip;
    if (!gz) return this.feedSync(buf);
    this.whole?.update(buf);
    if (this.partHash.size > 0) this.feedParts(buf);
    // a scan failure destroys the gunzip from inside write(): then 'close' comes instead of 'drain'
    if (!gz.destroyed && !gz.write(buf) && !gz.destroyed) await Promise.race([once(gz, 'drain'), once(gz, 'close')]).catch(() => undefined);
  }

  private feedParts(buf: Uint8Array): void {
    const start = this.pos;
    const end = start + buf.length;
    this.o.spans.forEach((s, i) => {
      const h = this.partHash.get(i);
      if (!h || s.offset === undefined || s.size === undefined) return;
      const a = Math.max(start, s.offset);
      const b = Math.min(end, s.offset + s.size);
      if (a < b) h.update(buf.subarray(a - start, b - start));
    });
  }
}
