// Black-box runs of the built executables: `dist/luxops rlp-import` (SEA) and `dist/luxops.cjs`,
// including kill -9 in the middle of a download and a resume that refetches less than one part.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tar from 'tar-stream';
import { BINARIES, runBin, jsonLines } from '../helpers/run-bin.js';
import { buildChain, splitBytes } from './rlp-fixture.js';
import { startFaultServer, startFakeLuxd, tempDir, startS3, S3_ENV } from './helpers.js';
import type { FaultServer } from './helpers.js';

// 16 parts of ~1 MiB: big enough that a kill mid-download loses far less than one part
const CHAIN = buildChain(1, 24_000);
const PART = 1 << 20;
const PARTS = splitBytes(CHAIN, PART);
const files: Record<string, Uint8Array> = {};
for (const { part, data } of PARTS) files[`lux.rlp.${part}`] = data;

let srv: FaultServer;
before(async () => {
  const p = tar.pack();
  p.entry({ name: 'db/x' }, 'snapshot');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  files['snap.tar'] = Buffer.concat(chunks);
  srv = await startFaultServer({ files });
});
after(() => srv.close());

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };

test('--help and usage errors (exit 2) from the single executable', async () => {
  const help = await runBin(BINARIES.sea, ['rlp-import', '--help'], { env: ENV });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--base-url URL/);
  assert.match(help.stdout, /LUXOPS_NO_VALIDATE/);
  const bad = await runBin(BINARIES.sea, ['rlp-import', '--file', 'x.rlp'], { env: ENV });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /missing required flag --base-url \(or LUXOPS_BASE_URL\)/);
  const env = await runBin(BINARIES.sea, ['rlp-import', '--base-url', 'ftp://x', '--file', 'x'], { env: ENV });
  assert.equal(env.code, 2);
  const sn = await runBin(BINARIES.sea, ['restore-snapshot', '--url', 'http://x/a.tar'], { env: ENV });
  assert.equal(sn.code, 2);
  assert.match(sn.stderr, /--data-dir/);
});

test('env twins drive the .cjs bundle: import into fake-luxd end to end', async (t) => {
  const luxd = await startFakeLuxd({ importRate: 0 });
  t.after(() => luxd.close());
  const { dir, cleanup } = tempDir('rlp-bb');
  t.after(cleanup);
  srv.setFaults({});
  const r = await runBin(process.execPath, [BINARIES.cjs, 'rlp-import', '--poll-interval', '100ms'], {
    env: { ...ENV, LUXOPS_BASE_URL: srv.url, LUXOPS_FILE: 'lux.rlp', LUXOPS_PARTS: 'auto', LUXOPS_DEST_DIR: dir, LUXOPS_API_URL: luxd.url, LUXOPS_ALLOW_UNVERIFIED: 'true' },
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(luxd.state.height, 24_000);
  const marker = JSON.parse(readFileSync(join(dir, '.rlp-import.done'), 'utf8'));
  assert.equal(marker.lastBlock, 24_000);
  assert.equal(existsSync(join(dir, 'lux.rlp')), false);
});

test('stderr stays JSON lines with every part listed (parallel HEADs and downloads share one abort signal)', async (t) => {
  const { dir, cleanup } = tempDir('rlp-bb-json');
  t.after(cleanup);
  srv.setFaults({});
  const parts = PARTS.map((p) => p.part).join(',');
  const r = await runBin(process.execPath, [BINARIES.cjs, 'rlp-import', '--base-url', srv.url, '--file', 'lux.rlp', '--parts', parts, '--dest-dir', dir, '--download-only'], { env: ENV, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  // a Node warning (MaxListenersExceeded on the shared signal) would break log parsers
  for (const line of r.stderr.trim().split('\n')) assert.ok(line.startsWith('{'), `non-JSON stderr line: ${line}`);
  assert.equal(readFileSync(join(dir, 'lux.rlp')).length, CHAIN.length);
});

test('kill -9 mid-download, then resume: the file is complete and refetched bytes stay under one part', async (t) => {
  const { dir, cleanup } = tempDir('rlp-kill');
  t.after(cleanup);
  srv.setFaults({ throttleBps: 128 * 1024 });
  srv.requests.length = 0;
  const args = ['rlp-import', '--base-url', srv.url, '--file', 'lux.rlp', '--parts', 'auto', '--dest-dir', dir, '--download-only', '--concurrency', '4'];
  const child = spawn(BINARIES.sea, args, { env: ENV, stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise((r) => child.once('exit', r));
  const statePath = join(dir, '.lux.rlp.rlp-import-state.json');
  let saved = 0;
  for (let i = 0; i < 200 && saved < 600_000; i++) {
    await sleep(50);
    try {
      const st = JSON.parse(readFileSync(statePath, 'utf8')) as { parts: Array<{ done: number }> };
      saved = st.parts.reduce((a, p) => a + p.done, 0);
    } catch {
      // not written yet, or being renamed into place
    }
  }
  assert.ok(saved > 0 && saved < CHAIN.length, `state shows ${saved} bytes before the kill`);
  child.kill('SIGKILL');
  await exited;
  const firstRun = srv.requests.reduce((a, r) => a + r.sent, 0);

  srv.setFaults({});
  srv.requests.length = 0;
  const r = await runBin(BINARIES.sea, args, { env: ENV, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN));
  const secondRun = srv.requests.reduce((a, q) => a + q.sent, 0);
  const resumed = jsonLines(r.stderr).find((l) => l.msg === 'resuming download');
  assert.ok(resumed, 'the second run resumed');
  assert.ok(srv.requests.some((q) => q.method === 'GET' && q.range !== null), 'a part continued with Range');
  const twice = firstRun + secondRun - CHAIN.length;
  t.diagnostic(`bytes fetched twice: ${twice} of ${CHAIN.length} (one part is ${PART})`);
  assert.ok(twice < PART, `bytes fetched twice: ${twice} (one part is ${PART})`);
});

test('restore-snapshot from the single executable', async (t) => {
  const { dir, cleanup } = tempDir('rlp-bb-snap');
  t.after(cleanup);
  srv.setFaults({});
  const r = await runBin(BINARIES.sea, ['restore-snapshot', '--url', `${srv.url}/snap.tar`, '--data-dir', dir], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'db/x'), 'utf8'), 'snapshot');
  const again = await runBin(BINARIES.sea, ['restore-snapshot', '--url', `${srv.url}/snap.tar`, '--data-dir', dir], { env: ENV });
  assert.equal(again.code, 0);
  assert.ok(jsonLines(again.stderr).some((l) => l.msg === 'marker exists; nothing to do'));
});

test('s3:// from the single executable (the S3 client is a lazily loaded chunk)', async (t) => {
  const s3 = await startS3('bbexports');
  t.after(() => s3.close());
  for (const { part, data } of PARTS.slice(0, 3)) await s3.put(`x/lux.rlp.${part}`, data);
  const { dir, cleanup } = tempDir('rlp-bb-s3');
  t.after(cleanup);
  const r = await runBin(BINARIES.sea, ['rlp-import', '--base-url', 's3://bbexports/x', '--s3-endpoint', s3.endpoint, '--file', 'lux.rlp', '--parts', 'aa,ab,ac', '--dest-dir', dir, '--download-only', '--no-validate'], {
    env: { ...ENV, ...S3_ENV },
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN.subarray(0, 3 * PART)));
});
