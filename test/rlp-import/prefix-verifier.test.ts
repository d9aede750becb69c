// The verifier that reads the output's contiguous prefix back while the download runs: several
// reads in flight with reused buffers must still deliver every byte once, in order, whatever
// steps the frontier moves in; a frontier past the end of the file (a short read) ends a pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { PrefixVerifier } from '../../src/rlp-import/prefix-verifier.js';
import { buildChain, sha256hex } from './rlp-fixture.js';
import { tempDir } from './helpers.js';

// > 4 MiB: more than the reads in flight times their 1 MiB size, so buffers are reused
let BLOCKS = 20_000;
while (buildChain(1, BLOCKS).length < 5 << 20) BLOCKS *= 2;
const CHAIN = buildChain(1, BLOCKS);

/** The data in a temp file, open for reading while `fn` runs. */
async function withFile(data: Uint8Array, fn: (fh: FileHandle) => Promise<void>) {
  const { dir, cleanup } = tempDir('verifier');
  const path = join(dir, 'x.rlp');
  writeFileSync(path, data);
  const fh = await open(path, 'r');
  try {
    await fn(fh);
  } finally {
    await fh.close();
    cleanup();
  }
}

/** A verifier of one part spanning CHAIN, hashing the whole file. */
const verifier = (fh: FileHandle, o: { scan?: boolean; hashParts?: number[] } = {}) =>
  new PrefixVerifier({ fh, spans: [{ name: 'x.rlp', offset: 0, size: CHAIN.length }], scan: o.scan ?? true, gzip: false, hashWhole: true, hashParts: new Set(o.hashParts ?? []) });

test('all of a > 4 MiB file checked at finish (several reads in flight, buffers reused): every byte once, in order', async () => {
  await withFile(CHAIN, async (fh) => {
    const v = verifier(fh);
    v.advance(1000); // one read while the download runs, the rest at the end
    const r = await v.finish(CHAIN.length);
    assert.equal(r.sha256, sha256hex(CHAIN));
    assert.equal(r.scan?.lastBlock, BLOCKS);
  });
});

test('frontier moving in odd steps, with pauses: every byte hashed and scanned once, in order', async () => {
  await withFile(CHAIN, async (fh) => {
    const v = verifier(fh, { hashParts: [0] });
    // steps from a few bytes to several MiB, so reads of every size and alignment are queued
    const steps = [1, 4095, 4097, 777_777, 3 << 20, 12_345, 1 << 20];
    let f = 0;
    for (let i = 0; f < CHAIN.length; i++) {
      f = Math.min(CHAIN.length, f + steps[i % steps.length]!);
      v.advance(f);
      if (i % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    const r = await v.finish(CHAIN.length);
    assert.equal(r.sha256, sha256hex(CHAIN));
    assert.equal(r.partSha256.get(0), sha256hex(CHAIN));
    assert.equal(r.scan?.blocks, BLOCKS);
    assert.equal(r.scan?.lastBlock, BLOCKS);
  });
});

test('a frontier past the end of the file (a short read) ends the pass with exactly the bytes there are', async () => {
  const cut = CHAIN.length - 1000; // a file shorter than the frontier claims
  await withFile(CHAIN.subarray(0, cut), async (fh) => {
    const v = verifier(fh, { scan: false });
    v.advance(CHAIN.length + (4 << 20));
    const r = await v.finish(CHAIN.length);
    assert.equal(r.sha256, sha256hex(CHAIN.subarray(0, cut)));
  });
});

test('live: slices that extend the checked prefix are checked from memory; the others are read back later', async () => {
  await withFile(CHAIN, async (fh) => {
    // a download in order, as the frontier part is written: everything live, nothing read back
    const v = verifier(fh, { hashParts: [0] });
    const sizes = [1, 65_536, 7, 262_144, 4093];
    for (let at = 0, i = 0; at < CHAIN.length; i++) {
      const end = Math.min(CHAIN.length, at + sizes[i % sizes.length]!);
      // the slice is only valid during the call, like the reader's reused buffer
      const slice = Buffer.from(CHAIN.subarray(at, end));
      v.live(at, slice);
      slice.fill(0xee);
      v.advance(end);
      at = end;
    }
    const r = await v.finish(CHAIN.length);
    assert.equal(v.liveBytes, CHAIN.length);
    assert.equal(r.sha256, sha256hex(CHAIN));
    assert.equal(r.partSha256.get(0), sha256hex(CHAIN));
    assert.equal(r.scan?.lastBlock, BLOCKS);

    // a later part's slices (not at the frontier) are ignored, and read back once the prefix reaches them
    const w = verifier(fh);
    const a = 300_001;
    const b = 2_000_003;
    w.live(0, CHAIN.subarray(0, a));
    w.advance(a);
    w.live(b, CHAIN.subarray(b, b + 10_000)); // not at the frontier: ignored
    w.advance(b); // the gap is read back (a read in flight now)...
    w.live(a, CHAIN.subarray(a, a + 10)); // ...so bytes at the old frontier are not taken twice
    const r2 = await w.finish(CHAIN.length);
    assert.equal(w.liveBytes, a);
    assert.equal(r2.sha256, sha256hex(CHAIN));
    assert.equal(r2.scan?.lastBlock, BLOCKS);
  });
});

test('a read that fails (the handle closed under it) is reported once and thrown by finish as it is, never unhandled', async () => {
  const { dir, cleanup } = tempDir('verifier-ebadf');
  try {
    const path = join(dir, 'x.rlp');
    writeFileSync(path, CHAIN);
    const fh = await open(path, 'r');
    await fh.close();
    const v = verifier(fh);
    const reported: unknown[] = [];
    v.onFailure = (e) => reported.push(e);
    v.advance(CHAIN.length);
    await assert.rejects(v.finish(CHAIN.length), (e: NodeJS.ErrnoException) => e.code === 'EBADF');
    assert.equal(reported.length, 1);
  } finally {
    cleanup();
  }
});
