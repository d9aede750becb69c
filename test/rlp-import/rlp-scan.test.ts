// The streaming RLP scanner against exports built with @ethereumjs/rlp, fed in chunks that cut
// blocks (and block heads) anywhere, plus each structural fault it must name with its offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RLP } from '@ethereumjs/rlp';
import { RlpBlockScanner, RlpScanError } from '../../src/rlp-import/rlp-scan.js';
import { buildChain, encodeBlock } from './rlp-fixture.js';

function scan(buf: Uint8Array, chunk: (i: number) => number) {
  const s = new RlpBlockScanner();
  for (let off = 0, i = 0; off < buf.length; i++) {
    const n = Math.max(1, chunk(i));
    s.push(buf.subarray(off, off + n));
    off += n;
  }
  return s.finish();
}

function scanError(buf: Uint8Array, chunkSize = 4096): RlpScanError {
  try {
    scan(buf, () => chunkSize);
  } catch (e) {
    assert.ok(e instanceof RlpScanError, String(e));
    return e;
  }
  assert.fail('expected an RlpScanError');
}

test('counts thousands of blocks whatever the chunking (1 byte, primes, whole)', () => {
  const chain = buildChain(1, 3000);
  for (const chunk of [() => chain.length, () => 65536, () => 997, (i: number) => 1 + ((i * 7919) % 3001)]) {
    assert.deepEqual(scan(chain, chunk), { blocks: 3000, firstBlock: 1, lastBlock: 3000, bytes: chain.length });
  }
  const small = buildChain(250, 40);
  assert.deepEqual(scan(small, () => 1), { blocks: 40, firstBlock: 250, lastBlock: 289, bytes: small.length });
});

test('block 0 (single-byte number 0x80) and large numbers decode', () => {
  assert.equal(scan(buildChain(0, 3), () => 100).firstBlock, 0);
  const r = scan(buildChain(16_777_214, 4), () => 333);
  assert.deepEqual([r.firstBlock, r.lastBlock], [16_777_214, 16_777_217]);
  // long-form block list (payload > 55 bytes) and huge tx payloads are skipped, not decoded
  const big = Buffer.concat([encodeBlock(5, 200_000), encodeBlock(6, 0)]);
  assert.equal(scan(big, () => 4096).blocks, 2);
});

test('a gap or repeat in numbers fails at the offending block', () => {
  const a = buildChain(1, 10);
  const b = buildChain(12, 5);
  const e = scanError(Buffer.concat([a, b]));
  assert.equal(e.offset, a.length);
  assert.match(e.message, /block number 12 follows 10 \(expected 11\)/);
  const rep = scanError(Buffer.concat([a, buildChain(10, 2)]));
  assert.equal(rep.offset, a.length);
});

test('a top-level item that is not a list is rejected with its offset', () => {
  const a = buildChain(1, 5);
  const e = scanError(Buffer.concat([a, Buffer.from([0x83, 1, 2, 3])]));
  assert.equal(e.offset, a.length);
  assert.match(e.message, /not an RLP list/);
  assert.equal(scanError(Buffer.from('hello world, not rlp at all')).offset, 0);
});

test('a header that is not a list, or too short, or with a list as number, is rejected', () => {
  assert.match(scanError(RLP.encode([new Uint8Array(5), [], []])).message, /header is not an RLP list/);
  assert.match(scanError(RLP.encode([[1, 2, 3], [], []])).message, /fewer than 9 items/);
  const h = Array.from({ length: 8 }, () => new Uint8Array(1));
  assert.match(scanError(RLP.encode([[...h, [1]], [], []])).message, /item 8 \(number\) is a list/);
  assert.match(scanError(RLP.encode([[...h, new Uint8Array(9)], [], []])).message, /too large/);
});

test('a stream that ends inside a block, or holds nothing, fails at finish', () => {
  const chain = buildChain(1, 20);
  const cut = chain.subarray(0, chain.length - 10);
  const e = scanError(cut);
  assert.match(e.message, /ends inside block 20/);
  assert.match(scanError(chain.subarray(0, chain.length - (chain.length - 3))).message, /ends inside a block head/);
  assert.match(scanError(new Uint8Array(0)).message, /no blocks/);
});

test('non-canonical and absurd lengths are rejected', () => {
  assert.match(scanError(Buffer.from([0xf9, 0x00, 0x10])).message, /non-canonical/);
  assert.match(scanError(Buffer.from([0xff, 1, 1, 1, 1, 1, 1, 1, 1])).message, /too large/);
  const huge = Buffer.concat([Buffer.from([0xf9, 0xff, 0xff, 0xf9, 0xff, 0xf0, 0xba, 0x01, 0x00, 0x01])]);
  assert.match(scanError(huge).message, /header item 0 is 65537 bytes/);
});
