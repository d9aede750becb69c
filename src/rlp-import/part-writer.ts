// Double-buffered positional writer for one part: network slices are copied into one of two
// reused batch buffers; a full batch is written at its offset while the other fills. When both are
// busy the producer is told to pause (socket backpressure) and resumed once a write completes.
import type { FileHandle } from 'node:fs/promises';

/** Largest slice a producer may push at once (the raw reader's buffer size). */
export const MAX_SLICE = 64 << 10;
const BATCH = 256 << 10;
// on a slow link write at least this often, so the resume state (written bytes only) keeps up
const MAX_AGE_MS = 250;

async function writeAll(fh: FileHandle, buf: Buffer, at: number): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off, buf.length - off, at + off)).bytesWritten;
}

export class PartWriter {
  private readonly bufs = [Buffer.allocUnsafe(BATCH + MAX_SLICE), Buffer.allocUnsafe(BATCH + MAX_SLICE)];
  private cur = 0;
  private fill = 0;
  private inflight: Promise<void> | undefined;
  private error: unknown;
  private lastWrite = Date.now();
  private waiter: (() => void) | undefined;

  /**
   * @param base   file offset of the part's first byte
   * @param pos    part-relative position of the next byte pushed
   * @param onWritten called after each write with the part-relative end of what is on disk
   */
  constructor(
    private readonly fh: FileHandle,
    private readonly base: number,
    private pos: number,
    private readonly onWritten: (done: number, delta: number) => void,
  ) {}

  /** Copy `slice` (<= MAX_SLICE bytes) in; false means: pause until `drained()` / the resume callback. */
  push(slice: Uint8Array): boolean {
    if (this.error !== undefined) throw this.error;
    this.bufs[this.cur]!.set(slice, this.fill);
    this.fill += slice.length;
    if (this.fill >= BATCH || Date.now() - this.lastWrite >= MAX_AGE_MS) {
      if (!this.inflight) this.startWrite();
      else if (this.fill >= BATCH) return false;
    }
    return true;
  }

  /** Resolves when pushing may continue (registers a one-shot resume callback). */
  drained(): Promise<void> {
    if (!this.inflight || this.fill < BATCH) return Promise.resolve();
    return new Promise((r) => this.onResume(r));
  }

  /** Call `fn` once when pushing may continue. */
  onResume(fn: () => void): void {
    this.waiter = fn;
  }

  /** Write what is buffered and wait for every write; rethrows a write error. */
  async finish(): Promise<void> {
    while (this.inflight) await this.inflight;
    if (this.error === undefined && this.fill > 0) {
      this.startWrite();
      while (this.inflight) await this.inflight;
    }
    if (this.error !== undefined) throw this.error;
  }

  private startWrite(): void {
    const n = this.fill;
    const buf = this.bufs[this.cur]!.subarray(0, n);
    const at = this.base + this.pos;
    this.cur ^= 1;
    this.fill = 0;
    this.pos += n;
    const end = this.pos;
    this.inflight = writeAll(this.fh, buf, at).then(
      () => {
        this.inflight = undefined;
        this.lastWrite = Date.now();
        this.onWritten(end, n);
        if (this.fill >= BATCH) this.startWrite();
        this.wake();
      },
      (e: unknown) => {
        this.inflight = undefined;
        this.error = e;
        this.wake();
      },
    );
  }

  private wake(): void {
    if (this.inflight && this.fill >= BATCH && this.error === undefined) return;
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
