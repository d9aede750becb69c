// Positional writer for one part: each network slice is written at its offset with pwrite(2) while
// the reader still holds it, synchronously, like curl writes what it reads. The earlier design
// (copy into 256 KiB batches, write them on libuv's thread pool) spent more CPU on the copy and on
// handing every write to another thread than on the writes themselves (bench/RESULTS.md, rlp-fetch).
// A write that blocks (the kernel throttling a writer with too many dirty pages) pauses reading
// too, which is the backpressure a disk slower than the network needs anyway.
import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export class PartWriter {
  /**
   * @param base   file offset of the part's first byte
   * @param pos    part-relative position of the next byte pushed
   * @param onWritten called after each write with the part-relative end of what is on disk, and
   *                  the slice with its file offset (valid only during the call)
   */
  constructor(
    private readonly fh: FileHandle,
    private readonly base: number,
    private pos: number,
    private readonly onWritten: (done: number, delta: number, slice: Uint8Array, at: number) => void,
  ) {}

  /** Write `slice` at its offset; a write error is thrown to the producer, which ends the attempt. */
  push(slice: Uint8Array): void {
    let off = 0;
    const at = this.base + this.pos;
    while (off < slice.length) off += writeSync(this.fh.fd, slice, off, slice.length - off, at + off);
    this.pos += slice.length;
    this.onWritten(this.pos, slice.length, slice, at);
  }
}
