// Black-box: snapshot-create through the built executables. The single executable (its Node has
// zlib zstd) writes a .tar.zst that the system's zstd and GNU tar read back byte for byte; the .cjs
// bundle writes a .tar.gz into s3rver that restore-snapshot (also built) restores byte for byte;
// a live luxd is refused with one JSON error line; zstd on a Node without it is a clear usage error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, jsonLines, runBin } from '../helpers/run-bin.js';
import { startS3, S3_ENV, tempDir } from '../rlp-import/helpers.js';
import { FAKE_LUXD, waitFor } from '../startup/helpers.js';
import { makeDataDir, startPutStore, sumOf, tree } from './helpers.js';
import type { PutStore } from './helpers.js';

const skipSea = existsSync(BINARIES.sea) ? false : 'dist/luxops not built';
const skipCjs = existsSync(BINARIES.cjs) ? false : 'dist/luxops.cjs not built';
const KEYS = (rel: string) => rel === 'staking' || rel.startsWith('staking/') || rel.endsWith('.key');
const tmp = tempDir('snap-bb');
let store: PutStore;
before(async () => {
  store = await startPutStore();
});
after(async () => {
  await store.close();
  tmp.cleanup();
});

test('single executable: .tar.zst over HTTP PUT, read back by zstd + GNU tar byte for byte', { skip: skipSea }, async () => {
  const data = makeDataDir(join(tmp.dir, 'zst'));
  const r = await runBin(BINARIES.sea, ['snapshot-create', '--data-dir', data, '--to', `${store.url}/n/snap.tar.zst`], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stderr);
  assert.ok(lines.every((l) => l.component === 'snapshot-create'));
  assert.match(String(lines.find((l) => String(l.msg).startsWith('snapshot-create:'))?.msg), /^snapshot-create: \d+ entries, \d+ bytes -> http:\/\/127\.0\.0\.1:\d+\/n\/snap\.tar\.zst$/);
  const archive = store.objects.get('/n/snap.tar.zst')!;
  assert.deepEqual([...archive.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'a zstd frame');
  assert.equal(sumOf(store.objects.get('/n/snap.tar.zst.sha256')!.toString()), createHash('sha256').update(archive).digest('hex'));
  execFileSync('zstd', ['-q', '-t'], { input: archive });
  const out = join(tmp.dir, 'zst-out');
  mkdirSync(out);
  execFileSync('sh', ['-c', `zstd -dc | tar -xf - -C ${out}`], { input: archive });
  assert.deepEqual(tree(out), tree(data, KEYS));
});

test('luxops.cjs: .tar.gz into s3rver, restored by the built restore-snapshot byte for byte', { skip: skipCjs }, async () => {
  const s3 = await startS3('bbsnap');
  after(() => s3.close());
  const data = makeDataDir(join(tmp.dir, 'gz'), 7 << 20);
  const env = { ...process.env, ...S3_ENV };
  const c = await runBin(process.execPath, [BINARIES.cjs, 'snapshot-create', '--data-dir', data, '--to', 's3://bbsnap/snap.tar.gz', '--s3-endpoint', s3.endpoint, '--part-size', '5MiB', '--level', '1'], { env, timeoutMs: 60_000 });
  assert.equal(c.code, 0, c.stderr);
  const done = jsonLines(c.stderr).find((l) => l.msg === 'snapshot created')!;
  assert.ok((done.parts as number) >= 2);
  const target = join(tmp.dir, 'gz-restored');
  const r = await runBin(process.execPath, [BINARIES.cjs, 'restore-snapshot', '--url', 's3://bbsnap/snap.tar.gz', '--s3-endpoint', s3.endpoint, '--data-dir', target, '--sha256', String(done.sha256)], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(tree(target, (rel) => rel === '.restore-snapshot.done'), tree(data, KEYS));
});

test('single executable: a live luxd on the data dir is refused (exit 1, one JSON error line, nothing uploaded)', { skip: skipSea }, async (t) => {
  const data = makeDataDir(join(tmp.dir, 'live'), 1024);
  const fake = spawn(process.execPath, [FAKE_LUXD, '--http-port=0', '--data-dir', data], { stdio: 'ignore' });
  t.after(() => fake.kill('SIGKILL'));
  await waitFor(() => existsSync(`/proc/${fake.pid}/cmdline`) && readFileSync(`/proc/${fake.pid}/cmdline`, 'latin1').includes('--data-dir'), 'fake running');
  const r = await runBin(BINARIES.sea, ['snapshot-create', '--data-dir', data, '--to', `${store.url}/live.tar.gz`]);
  assert.equal(r.code, 1);
  const errors = jsonLines(r.stderr).filter((l) => l.level === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.code, 'E_DATA_DIR_LIVE');
  assert.equal(store.objects.has('/live.tar.gz'), false);
});

test('luxops.cjs on a Node without zlib zstd: .tar.zst is a usage error naming the way out', { skip: skipCjs || (typeof (await import('node:zlib') as { createZstdCompress?: unknown }).createZstdCompress === 'function' ? 'this Node has zstd' : false) }, async () => {
  const data = makeDataDir(join(tmp.dir, 'nozstd'), 16);
  const r = await runBin(process.execPath, [BINARIES.cjs, 'snapshot-create', '--data-dir', data, '--to', `${store.url}/x.tar.zst`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs zstd from Node's zlib \(Node >= 22\.15\); this is Node v\d+.*single executable/);
});
