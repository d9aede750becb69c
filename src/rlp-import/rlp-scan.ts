// Streaming structure check of an RLP chain export (consecutive `[header, txs, uncles, ...]` blocks).
// It reads only each block's list prefix, the header's list prefix and header items 0..8, then
// skips the rest of the block without decoding it: that keeps the scan far cheaper than the download.

/** Where and why the stream is not a valid export. */
export class RlpScanError extends Error {
  /** byte offset in the (uncompressed) stream where the bad item starts */
  readonly offset: number;
  constructor(offset: number, reason: string) {
    super(reason);
    this.name = 'RlpScanError';
    this.offset = offset;
  }
}

/** What a complete scan found. */
export interface RlpScanResult {
  readonly blocks: number;
  readonly firstBlock: number | undefined;
  readonly lastBlock: number | undefined;
  readonly bytes: number;
}

// A header's first 8 items are hashes, an address, the 256-byte bloom and the difficulty: far
// below this. A larger "item" means the bytes are not a header at all.
const MAX_HEAD_ITEM = 1 << 16;
const NEED_MORE = -1;

interface Prefix {
  /** bytes of the prefix itself */
  readonly head: number;
  /** payload length */
  readonly len: number;
  readonly list: boolean;
}

/** Decode one RLP prefix at buf[pos]; undefined when buf ends inside it. */
function readPrefix(buf: Uint8Array, pos: number, end: number, at: number): Prefix | undefined {
  if (pos >= end) return undefined;
  const b = buf[pos]!;
  if (b < 0x80) return { head: 0, len: 1, list: false };
  if (b <= 0xb7) return { head: 1, len: b - 0x80, list: false };
  if (b < 0xc0) return long(buf, pos, end, b - 0xb7, false, at);
  if (b <= 0xf7) return { head: 1, len: b - 0xc0, list: true };
  return long(buf, pos, end, b - 0xf7, true, at);
}

function long(buf: Uint8Array, pos: number, end: number, ll: number, list: boolean, at: number): Prefix | undefined {
  if (pos + 1 + ll > end) return undefined;
  if (buf[pos + 1] === 0) throw new RlpScanError(at, 'non-canonical RLP length (leading zero)');
  let len = 0;
  for (let i = 0; i < ll; i++) len = len * 256 + buf[pos + 1 + i]!;
  if (ll > 6) throw new RlpScanError(at, `RLP item length of ${ll} bytes is too large`);
  return { head: 1 + ll, len, list };
}

/**
 * Feed chunks in stream order with `push`, then call `finish`. Throws RlpScanError at the first
 * structural problem: a top-level item that is not a list, a header that is not a list or lacks
 * item 8, a number that is not previous + 1, or a stream that ends inside a block.
 */
export class RlpBlockScanner {
  private carry: Uint8Array = new Uint8Array(0);
  /** stream offset of carry[0] (or of the next chunk when carry is empty) */
  private base = 0;
  /** bytes of the current block still to skip */
  private skip = 0;
  private blockStart = 0;
  blocks = 0;
  firstBlock: number | undefined;
  lastBlock: number | undefined;

  /** Scan the next chunk of the stream. The chunk is not retained unless a block head straddles it. */
  push(chunk: Uint8Array): void {
    let buf: Uint8Array = chunk;
    if (this.carry.length > 0) {
      const joined = new Uint8Array(this.carry.length + chunk.length);
      joined.set(this.carry, 0);
      joined.set(chunk, this.carry.length);
      buf = joined;
      this.carry = new Uint8Array(0);
    }
    let pos = 0;
    const end = buf.length;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - pos);
        this.skip -= n;
        pos += n;
        if (this.skip > 0) break;
      }
      if (pos >= end) break;
      const used = this.parseHead(buf, pos, end);
      if (used === NEED_MORE) {
        // keep a copy of the partial head (a few hundred bytes): the caller may reuse its buffer,
        // and Buffer#slice would only be a view
        this.carry = Uint8Array.prototype.slice.call(buf, pos);
        this.base += pos;
        return;
      }
      pos += used;
    }
    this.base += end;
  }

  /** Parse a block's head at buf[pos]; returns bytes consumed (the rest is set to `skip`) or NEED_MORE. */
  private parseHead(buf: Uint8Array, pos: number, end: number): number {
    const at = this.base + pos;
    const block = readPrefix(buf, pos, end, at);
    if (!block) return NEED_MORE;
    if (!block.list) throw new RlpScanError(at, `top-level item is not an RLP list (byte 0x${buf[pos]!.toString(16).padStart(2, '0')}), so it is not a block`);
    const blockEnd = pos + block.head + block.len;
    let p = pos + block.head;
    const header = readPrefix(buf, p, end, this.base + p);
    if (!header) return NEED_MORE;
    if (!header.list) throw new RlpScanError(at, 'block header is not an RLP list');
    const headerEnd = p + header.head + header.len;
    if (headerEnd > blockEnd) throw new RlpScanError(at, 'block header is longer than its block');
    p += header.head;
    for (let i = 0; i < 8; i++) {
      const item = readPrefix(buf, p, end, this.base + p);
      if (!item) return NEED_MORE;
      if (item.len > MAX_HEAD_ITEM) throw new RlpScanError(at, `header item ${i} is ${item.len} bytes, not a block header`);
      p += item.head + item.len;
      if (p >= headerEnd) throw new RlpScanError(at, 'block header has fewer than 9 items (no number)');
    }
    const num = readPrefix(buf, p, end, this.base + p);
    if (!num) return NEED_MORE;
    if (num.list) throw new RlpScanError(at, 'header item 8 (number) is a list');
    if (num.len > 6) throw new RlpScanError(at, `block number of ${num.len} bytes is too large`);
    if (p + num.head + num.len > end) return NEED_MORE;
    if (p + num.head + num.len > headerEnd) throw new RlpScanError(at, 'header item 8 (number) runs past the header');
    let n = 0;
    if (num.head === 0) n = buf[p]!;
    else for (let i = 0; i < num.len; i++) n = n * 256 + buf[p + 1 + i]!;
    if (this.lastBlock !== undefined && n !== this.lastBlock + 1) {
      throw new RlpScanError(at, `block number ${n} follows ${this.lastBlock} (expected ${this.lastBlock + 1})`);
    }
    this.firstBlock ??= n;
    this.lastBlock = n;
    this.blocks++;
    this.blockStart = at;
    const consumed = Math.min(blockEnd, end) - pos;
    this.skip = blockEnd - pos - consumed;
    return consumed;
  }

  /** End of stream: throws when it ends inside a block; returns the counts. */
  finish(): RlpScanResult {
    const bytes = this.base + this.carry.length;
    if (this.carry.length > 0) throw new RlpScanError(this.base, 'stream ends inside a block head');
    if (this.skip > 0) throw new RlpScanError(this.blockStart, `stream ends inside block ${this.lastBlock} (${this.skip} bytes missing)`);
    if (this.blocks === 0) throw new RlpScanError(0, 'no blocks in the file');
    return { blocks: this.blocks, firstBlock: this.firstBlock, lastBlock: this.lastBlock, bytes };
  }
}
