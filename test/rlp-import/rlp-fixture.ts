// RLP chain exports built with @ethereumjs/rlp (an encoder independent of the scanner under test):
// consecutive blocks `[header(15 items, item 8 = number), txs, uncles]`, split like `split -b`.
import { RLP } from '@ethereumjs/rlp';
import { createHash } from 'node:crypto';

function bytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** One block's RLP with `txBytes` of transaction payload. */
export function encodeBlock(number: number, txBytes = 64): Uint8Array {
  const header = [
    bytes(number, 32), bytes(number + 1, 32), bytes(number + 2, 20), bytes(number + 3, 32), bytes(number + 4, 32), bytes(number + 5, 32),
    bytes(number + 6, 256), 1, number, 8_000_000, 21_000 * (number % 5), 1_700_000_000 + number, new Uint8Array(0), bytes(number + 7, 32), bytes(number + 8, 8),
  ];
  const txs = txBytes > 0 ? [bytes(number + 9, txBytes >> 1), bytes(number + 10, txBytes - (txBytes >> 1))] : [];
  return RLP.encode([header, txs, []]);
}

/** `count` blocks from `first`, tx payload varying so blocks straddle split points. */
export function buildChain(first: number, count: number, txBytes = (n: number) => 40 + ((n * 37) % 300)): Buffer {
  const chunks: Uint8Array[] = [];
  for (let n = first; n < first + count; n++) chunks.push(encodeBlock(n, txBytes(n)));
  return Buffer.concat(chunks);
}

/** Cut like `split -b SIZE`: parts aa, ab, ... of `size` bytes (the last one shorter). */
export function splitBytes(buf: Buffer, size: number): Array<{ part: string; data: Buffer }> {
  const out: Array<{ part: string; data: Buffer }> = [];
  for (let i = 0, off = 0; off < buf.length; i++, off += size) {
    const part = String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26));
    out.push({ part, data: buf.subarray(off, off + size) });
  }
  return out;
}

export const sha256hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
