// PrefixVerifier over a real file: with only the RLP scan to feed, large-block exports are checked
// by reading block heads and jumping over bodies; results and error offsets must not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { PrefixVerifier, ValidationFailure } from '../../src/rlp-import/prefix-verifier.js';
import { buildChain, sha256hex } from './rlp-fixture.js';
import { tempDir } from './helpers.js';

/** A FileHandle whose reads are counted (bytes asked for and calls). */
function counting(fh: FileHandle): { fh: FileHandle; stats: { bytes: number; calls: number } } {
  const stats = { bytes: 0, calls: 0 };
  const read = fh.read.bind(fh) as (b: Buffer, o: number, l: number, p: number) => Promise<{ bytesRead: number; buffer: Buffer }>;
  const wrapped = Object.create(fh) as FileHandle;
  (wrapped as unknown as { read: typeof read }).read = async (b, o, l, p) => {
    stats.calls++;
    stats.bytes += l;
    return read(b, o, l, p);
  };
  return { fh: wrapped, stats };
}

async function verify(data: Buffer, opts: { hashWhole?: boolean; steps?: number } = {}) {
  const t = tempDir('verifier');
  const file = join(t.dir, 'x.rlp');
  await writeFile(file, data);
  const raw = await open(file, 'r');
  const { fh, stats } = counting(raw);
  try {
    const v = new PrefixVerifier({ fh, spans: [{ name: 'aa', offset: 0, size: data.length }], scan: true, gzip: false, hashWhole: opts.hashWhole ?? false, hashParts: new Set() });
    // the prefix grows in steps, as parts land
    const steps = opts.steps ?? 7;
    for (let i = 1; i < steps; i++) v.advance(Math.floor((data.length * i) / steps));
    const res = await v.finish(data.length);
    return { res, stats };
  } finally {
    await raw.close();
    t.cleanup();
  }
}

test('large blocks: the scan reads block heads and skips bodies, same result as reading everything', async () => {
  const chain = buildChain(1, 400, () => 40_000);
  const { res, stats } = await verify(chain);
  assert.deepEqual(res.scan, { blocks: 400, firstBlock: 1, lastBlock: 400, bytes: chain.length });
  assert.ok(stats.bytes < chain.length / 4, `read ${stats.bytes} of ${chain.length} bytes`);
  // with a whole-file digest every byte has to be read
  const hashed = await verify(chain, { hashWhole: true });
  assert.deepEqual(hashed.res.scan, res.scan);
  assert.equal(hashed.res.sha256, sha256hex(chain));
  assert.ok(hashed.stats.bytes >= chain.length);
});

test('small blocks: read in large reads, not a window per block', async () => {
  const chain = buildChain(1, 5_000);
  const { res, stats } = await verify(chain);
  assert.equal(res.scan?.blocks, 5_000);
  assert.ok(stats.calls < 40, `${stats.calls} reads for ${chain.length} bytes`);
});

test('large blocks: a broken header after skipped bodies is still found at its exact offset', async () => {
  const chain = buildChain(1, 300, () => 40_000);
  // find block 200's offset by walking the list prefixes (0xf9 = 2-byte length)
  let off = 0;
  for (let n = 1; n < 200; n++) off += 3 + chain.readUInt16BE(off + 1);
  assert.equal(chain[off], 0xf9);
  const bad = Buffer.from(chain);
  bad[off] = 0x85; // a string, not a list
  await assert.rejects(verify(bad), (e: unknown) => e instanceof ValidationFailure && e.offset === off && /not an RLP list/.test(e.reason));
});

test('large blocks: a file cut inside a skipped body fails at finish', async () => {
  const chain = buildChain(1, 50, () => 40_000);
  await assert.rejects(verify(chain.subarray(0, chain.length - 1000)), (e: unknown) => e instanceof ValidationFailure && /ends inside block 50/.test(e.reason));
});
