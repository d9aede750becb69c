// Memory for bytes that arrived before the consumer can take them: fixed-size blocks from one
// pool, reused, so a restore allocates its read-ahead once instead of one Buffer per socket read
// (those copies, freed only when the GC gets to them, measured ~40 MiB of extra RSS). The pool is
// a soft limit: a range fetched ahead pauses its connection once the pool is used up; the range
// the consumer is reading (the head) may always go a little over it, so it can never be starved
// by ranges waiting behind it. A block returns to the pool when the consumer is done with every
// view of it (for gunzip: when zlib has consumed the input, its write callback).

/** Fixed-size blocks, reused; `inUse` counts blocks handed out and not yet released. */
export class BlockPool {
  private readonly free: Buffer[] = [];
  inUse = 0;
  /** called after a release (paused ranges may read on) */
  onRelease: () => void = () => undefined;

  constructor(readonly blockSize: number, readonly limit: number) {}

  acquire(): Buffer {
    this.inUse++;
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.blockSize);
  }

  release(b: Buffer): void {
    this.inUse--;
    this.free.push(b);
    this.onRelease();
  }

  get exhausted(): boolean {
    return this.inUse >= this.limit;
  }
}

interface Block {
  readonly buf: Buffer;
  /** bytes written into it */
  fill: number;
  /** bytes handed to the consumer */
  taken: number;
  /** views handed out whose consumer has not let go yet */
  pending: number;
  /** no view will be cut from it any more (full and taken, or its range is over) */
  retired: boolean;
}

/** The bytes [start, end) of the object as they arrive, waiting for the consumer in order. */
export class RangeBuffer {
  private readonly blocks: Block[] = [];
  /** bytes received into this range (the next GET resumes at start + got) */
  got = 0;
  /** bytes handed to the consumer */
  taken = 0;
  done = false;
  /** reading is paused until `resume` is called */
  paused = false;
  resume: (() => void) | undefined;
  /** the consumer reads this range now: it may exceed the pool, up to `headAhead` bytes */
  head = false;

  constructor(readonly start: number, readonly end: number | undefined, private readonly pool: BlockPool, private readonly headAhead: number) {}

  /** Copy `slice` in; false: stop reading until resumed (the slice itself is always taken). */
  take(slice: Buffer): boolean {
    let off = 0;
    while (off < slice.length) {
      let b = this.blocks[this.blocks.length - 1];
      if (!b || b.fill === b.buf.length) {
        b = { buf: this.pool.acquire(), fill: 0, taken: 0, pending: 0, retired: false };
        this.blocks.push(b);
      }
      const n = slice.copy(b.buf, b.fill, off);
      b.fill += n;
      off += n;
    }
    this.got += slice.length;
    this.paused = this.head ? this.got - this.taken >= this.headAhead : this.pool.exhausted;
    return !this.paused;
  }

  /** Bytes waiting for the consumer. */
  get available(): number {
    return this.got - this.taken;
  }

  /**
   * The next view for the consumer (undefined when nothing waits), at most up to the end of a
   * block; `release` must be called once the consumer no longer needs the view.
   */
  next(): { view: Buffer; release: () => void } | undefined {
    const b = this.blocks[0];
    if (!b || b.fill === b.taken) return undefined;
    const view = b.buf.subarray(b.taken, b.fill);
    b.taken = b.fill;
    b.pending++;
    this.taken += view.length;
    if (b.taken === b.buf.length) {
      this.blocks.shift();
      b.retired = true;
    }
    let released = false;
    return {
      view,
      release: () => {
        if (released) return;
        released = true;
        b.pending--;
        this.recycle(b);
      },
    };
  }

  private recycle(b: Block): void {
    if (b.retired && b.pending === 0) this.pool.release(b.buf);
  }

  /** The range is over (taken in full, failed, or the run ended): its blocks go back once let go. */
  close(): void {
    for (const b of this.blocks.splice(0)) {
      b.retired = true;
      this.recycle(b);
    }
  }
}
