// rlp-import's part of the fault suite of issue 12 (restore-snapshot's is
// test/snapshot/restore-faults.bb.test.ts), against the BUILT single executable: shifted ranges and
// corrupt bytes never end in a wrong file, and a source that keeps lying fails clearly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, runBin } from '../helpers/run-bin.js';
import { sha256hex, buildChain, splitBytes } from './rlp-fixture.js';
import { startFaultServer, tempDir } from './helpers.js';
import type { FaultServer, Faults } from './helpers.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const CHAIN = buildChain(1, 6000);
const PARTS = splitBytes(CHAIN, 400_000);
let srv: FaultServer;
before(async () => {
  const files: Record<string, Uint8Array> = {};
  for (const { part, data } of PARTS) files[`lux.rlp.${part}`] = data;
  files['SHA256SUMS'] = Buffer.from(PARTS.map((p) => `${sha256hex(p.data)}  lux.rlp.${p.part}\n`).join(''));
  srv = await startFaultServer({ files });
});
after(() => srv.close());

test('rlp-import (executable): shifted ranges and corrupt bytes never end in a wrong file', async (t) => {
  const run = async (dir: string, faults: Faults, extra: string[] = []) => {
    srv.setFaults(faults);
    return runBin(BINARIES.sea, ['rlp-import', '--base-url', srv.url, '--file', 'lux.rlp', '--parts', 'auto', '--dest-dir', dir, '--download-only', '--retry-delay', '20ms', ...extra], { env: ENV, timeoutMs: 60_000 });
  };
  const fresh = () => {
    const { dir, cleanup } = tempDir('rlp-bbimport');
    t.after(cleanup);
    return dir;
  };
  const part = `lux.rlp.${PARTS[2]!.part}`;
  const sums = ['--checksums-url', `${srv.url}/SHA256SUMS`];
  for (const [faults, extra] of [
    [{ dropAfter: { [part]: 200_000 }, shiftRange: { [part]: 5000 } }, ['--no-validate']],
    [{ corrupt: { [part]: 1234 } }, sums],
  ] as Array<[Faults, string[]]>) {
    const dir = fresh();
    const ok = await run(dir, faults, extra);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN));
  }
  // a source that keeps serving bad bytes: a clear error; the honest rerun refetches and succeeds
  const dir = fresh();
  const bad = await run(dir, { corrupt: { [part]: 1234 }, corruptTimes: 100 }, sums);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /the source serves bad data/);
  const ok = await run(dir, {}, sums);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN));
});
