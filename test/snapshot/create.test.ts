// snapshot-create in-process: archives that restore-snapshot restores byte for byte (HTTP PUT and
// S3 multipart into s3rver), the .sha256 next to them, and every refusal: a live luxd (process or
// database lock), links that point outside, names restore would misread, servers that refuse or
// drop the upload (no checksum is published then), files that change while read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { S3Client, GetObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import tar from 'tar-stream';
import { snapshotCreateCommand } from '../../src/snapshot/create-command.js';
import { restoreSnapshotCommand } from '../../src/snapshot/restore-command.js';
import { packEntries, selectEntries } from '../../src/snapshot/tar-source.js';
import { checkLive, devString, parseProcLocks } from '../../src/snapshot/live-check.js';
import { runMain, errorLine, startS3, S3_ENV, tempDir } from '../rlp-import/helpers.js';
import { FAKE_LUXD, waitFor } from '../startup/helpers.js';
import { makeDataDir, startPutStore, sumOf, tree } from './helpers.js';
import type { PutStore } from './helpers.js';
import pino from 'pino';
import * as zlib from 'node:zlib';

let store: PutStore;
const tmp = tempDir('snap-create');
before(async () => {
  store = await startPutStore();
});
after(async () => {
  await store?.close();
  tmp.cleanup();
});

const KEYS = (rel: string) => rel === 'staking' || rel.startsWith('staking/') || rel.endsWith('.key');

test('HTTP PUT: tar.gz with its .sha256; restore-snapshot restores it byte for byte (keys left out)', async () => {
  const data = makeDataDir(join(tmp.dir, 'a'));
  const { code, deps } = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', `${store.url}/snaps/node-1.tar.gz`]);
  assert.equal(code, 0, deps.err());
  const archive = store.objects.get('/snaps/node-1.tar.gz')!;
  const sums = store.objects.get('/snaps/node-1.tar.gz.sha256')!.toString();
  assert.equal(sums, `${createHash('sha256').update(archive).digest('hex')}  node-1.tar.gz\n`);
  // the archive PUT streamed (chunked, 100-continue), the checksum came after it
  const puts = store.requests.filter((r) => r.method === 'PUT');
  assert.deepEqual(puts.map((r) => r.path), ['/snaps/node-1.tar.gz', '/snaps/node-1.tar.gz.sha256']);
  assert.equal(puts[0]!.headers['transfer-encoding'], 'chunked');
  assert.equal(puts[0]!.headers.expect, '100-continue');
  const done = deps.logs().find((l) => l.msg === 'snapshot created')!;
  assert.equal(done.sha256, sumOf(sums));
  assert.equal(done.archiveBytes, archive.length);
  assert.match(String(deps.logs().find((l) => typeof l.skipped === 'number')?.paths), /staking .*--include-keys/);

  const target = join(tmp.dir, 'a-restored');
  const r = await runMain(restoreSnapshotCommand, ['--url', `${store.url}/snaps/node-1.tar.gz`, '--data-dir', target, '--sha256', sumOf(sums)]);
  assert.equal(r.code, 0, r.deps.err());
  assert.deepEqual(tree(target, (rel) => rel === '.restore-snapshot.done'), tree(data, KEYS));
  assert.equal(existsSync(join(target, 'staking')), false);
  assert.equal(existsSync(join(target, 'signer.key')), false);
  // GNU tar reads it as well
  const listing = execFileSync('tar', ['-tzf', '-'], { input: archive }).toString();
  assert.match(listing, /chainData\/network-1\/.*\/db\/ancient\/x{120}\.cdat/);
});

test('--include: only the C-chain directory, with its parents; --include-keys keeps keys', async () => {
  const data = makeDataDir(join(tmp.dir, 'b'), 1024);
  const inc = 'chainData/network-1/2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM';
  const { code, deps } = await runMain(snapshotCreateCommand, ['--data-dir', data, '--include', inc, '--include', join(data, inc, 'db'), '--to', `${store.url}/c.tgz`]);
  assert.equal(code, 0, deps.err());
  const names = execFileSync('tar', ['-tzf', '-'], { input: store.objects.get('/c.tgz')! }).toString().trim().split('\n');
  assert.deepEqual(names.slice(0, 3), ['chainData/', 'chainData/network-1/', `${inc}/`]);
  assert.ok(names.every((n) => n.startsWith('chainData/')));
  assert.equal(new Set(names).size, names.length, 'each path once');

  const k = await runMain(snapshotCreateCommand, ['--data-dir', data, '--include-keys', '--exclude', 'chainData', '--to', `${store.url}/k.tar.gz`]);
  assert.equal(k.code, 0, k.deps.err());
  const kn = execFileSync('tar', ['-tzf', '-'], { input: store.objects.get('/k.tar.gz')! }).toString();
  assert.match(kn, /staking\/staker\.key/);
  assert.doesNotMatch(kn, /chainData/);
});

test('S3: multipart upload through lib-storage into s3rver, .sha256 beside it, restore from s3://', async () => {
  const s3 = await startS3('snaps');
  after(() => s3.close());
  const data = makeDataDir(join(tmp.dir, 's3'), 12 << 20);
  const { code, deps } = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', 's3://snaps/daily/node.tar.gz', '--s3-endpoint', s3.endpoint, '--part-size', '5MiB', '--level', '1'], S3_ENV);
  assert.equal(code, 0, deps.err());
  const done = deps.logs().find((l) => l.msg === 'snapshot created')!;
  assert.ok((done.parts as number) >= 3, `multipart: ${done.parts} parts`);
  const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  after(() => client.destroy());
  const body = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: 'snaps', Key: 'daily/node.tar.gz' }))).Body!.transformToByteArray());
  const sums = await (await client.send(new GetObjectCommand({ Bucket: 'snaps', Key: 'daily/node.tar.gz.sha256' }))).Body!.transformToString();
  assert.equal(sumOf(sums), createHash('sha256').update(body).digest('hex'));
  assert.equal(done.sha256, sumOf(sums));

  const target = join(tmp.dir, 's3-restored');
  const r = await runMain(restoreSnapshotCommand, ['--url', 's3://snaps/daily/node.tar.gz', '--s3-endpoint', s3.endpoint, '--data-dir', target, '--sha256', sumOf(sums)], S3_ENV);
  assert.equal(r.code, 0, r.deps.err());
  assert.deepEqual(tree(target, (rel) => rel === '.restore-snapshot.done'), tree(data, KEYS));

  // a bucket that does not exist: exit 1, one error line, nothing written
  await client.send(new CreateBucketCommand({ Bucket: 'other' }));
  const bad = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', 's3://missing-bucket/x.tar.gz', '--s3-endpoint', s3.endpoint, '--part-size', '5MiB'], S3_ENV);
  assert.equal(bad.code, 1);
  assert.match(String(errorLine(bad.deps, 'E_UPLOAD_FAILED')?.msg), /upload to s3:\/\/missing-bucket\/x\.tar\.gz failed: NoSuchBucket/);
});

test('refuses a data dir a luxd uses: its process, a flock and an fcntl lock on a LOCK file; --allow-live copies with a warning', async (t) => {
  const data = makeDataDir(join(tmp.dir, 'live'), 1024);
  const fake = spawn(process.execPath, [FAKE_LUXD, '--http-port=0', `--data-dir=${data}`], { stdio: 'ignore' });
  t.after(() => fake.kill('SIGKILL'));
  await waitFor(() => existsSync(`/proc/${fake.pid}/cmdline`) && readFileSync(`/proc/${fake.pid}/cmdline`, 'latin1').includes('--data-dir'), 'fake running');
  const r = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', `${store.url}/live.tar.gz`]);
  assert.equal(r.code, 1);
  const line = errorLine(r.deps, 'E_DATA_DIR_LIVE');
  assert.match(String(line?.msg), new RegExp(`refusing to snapshot .*pid ${fake.pid} runs with this data dir.*stop luxd first.*--allow-live`));
  assert.equal(store.objects.has('/live.tar.gz'), false);
  fake.kill('SIGKILL');
  await new Promise((res) => fake.once('exit', res));

  // database locks, as leveldb (flock) and pebble (fcntl) take them, held by processes that do not name the dir
  const lockFile = join(data, 'db', 'mainnet', 'v1.4.5', 'LOCK');
  for (const holder of [
    ['flock', '-x', lockFile, 'sleep', '30'],
    ['python3', '-c', `import fcntl,time,sys\nf=open(sys.argv[1],'r+')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\ntime.sleep(30)`, lockFile],
  ]) {
    const p = spawn(holder[0]!, holder.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    t.after(() => p.kill('SIGKILL'));
    await waitFor(() => parseProcLocks(readFileSync('/proc/locks', 'utf8')).size > 0 && checkLive(data, { selfPid: process.pid }).then((c) => c.holders.length > 0), `${holder[0]} holds the lock`);
    const l = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', `${store.url}/live.tar.gz`]);
    assert.equal(l.code, 1, holder[0]);
    assert.match(String(errorLine(l.deps, 'E_DATA_DIR_LIVE')?.msg), /holds a lock on .*\/db\/mainnet\/v1\.4\.5\/LOCK/);
    const forced = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', `${store.url}/live.tar.gz`, '--allow-live']);
    assert.equal(forced.code, 0, forced.deps.err());
    assert.ok(forced.deps.logs().some((x) => x.level === 'warn' && /--allow-live: copying a data dir in use/.test(String(x.msg))));
    p.kill('SIGKILL');
    await new Promise((res) => p.once('exit', res));
  }
});

test('usage refusals: unsafe links, names restore would misread, include outside, gzip level; exit 2', async () => {
  const data = makeDataDir(join(tmp.dir, 'bad'), 16);
  const cases: Array<[string[], RegExp]> = [
    [['--to', `${store.url}/x.tar`], /name it \.tar\.gz or \.tar\.zst/],
    [['--to', `${store.url}/x.bin`], /must end in \.tar\.gz, \.tgz, \.tar\.zst or \.tzst/],
    [['--to', `${store.url}/x.tar.gz`, '--format', 'tar.zst'], /--format tar\.zst does not match the name in --to/],
    [['--to', `${store.url}/x.tar.gz`, '--level', '12'], /gzip levels are 1-9/],
    [['--to', 's3://bucket-only/'], /expected s3:\/\/bucket\/key|must end in/],
    [['--to', `${store.url}/x.tar.gz`, '--include', '../etc'], /--include: "\.\.\/etc" is outside --data-dir/],
    [['--to', `${store.url}/x.tar.gz`, '--include', 'nope'], /--include: nope does not exist/],
  ];
  for (const [args, re] of cases) {
    const r = await runMain(snapshotCreateCommand, ['--data-dir', data, ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.deps.err(), re, args.join(' '));
  }
  symlinkSync('/etc/passwd', join(data, 'abs-link'));
  const l = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', `${store.url}/x.tar.gz`]);
  assert.equal(l.code, 2);
  assert.match(String(errorLine(l.deps, 'E_UNSAFE_SYMLINK')?.msg), /symlink abs-link -> \/etc\/passwd points outside --data-dir/);
  // --exclude gets past it
  const x = await runMain(snapshotCreateCommand, ['--data-dir', data, '--exclude', 'abs-link', '--to', `${store.url}/x.tar.gz`]);
  assert.equal(x.code, 0, x.deps.err());
});

test('an upload the server refuses or drops: exit 1, no .sha256 published', async () => {
  const data = makeDataDir(join(tmp.dir, 'refused'), 2 << 20);
  for (const [how, opts, re] of [
    ['403 before the body', { readBytes: 0 }, /PUT http:\/\/127\.0\.0\.1:\d+\/r\.tar\.gz answered HTTP 403: upload refused/],
    ['413 mid-body', { readBytes: 64 * 1024 }, /answered HTTP 413/],
    ['connection dropped mid-body', { readBytes: 64 * 1024, destroy: true }, /PUT .* failed after \d+ bytes/],
  ] as const) {
    store.objects.clear();
    store.refuse(/r\.tar\.gz$/, how.startsWith('413') ? 413 : 403, opts);
    const r = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', `${store.url}/r.tar.gz`]);
    assert.equal(r.code, 1, how);
    assert.match(String(errorLine(r.deps, 'E_UPLOAD_FAILED')?.msg), re, how);
    assert.equal(store.objects.has('/r.tar.gz.sha256'), false, how);
  }
  store.refuse(undefined);
  // credentials and query tokens never reach the log
  const r = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', `http://user:hunter2@${store.url.slice(7)}/s.tar.gz?token=abc123`]);
  assert.equal(r.code, 0, r.deps.err());
  assert.doesNotMatch(r.deps.err(), /hunter2|abc123/);
  assert.ok(store.objects.has('/s.tar.gz.sha256'));
});

test('a file that changes while it is read: E_SOURCE_CHANGED, or with --allow-live a warning and a well-formed archive', async () => {
  const data = makeDataDir(join(tmp.dir, 'changing'), 64 * 1024);
  const log = pino({ level: 'silent' });
  const file = join(data, 'chainData/network-1/2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM/db/000001.ldb');
  const consume = async (allowLive: boolean) => {
    const sel = await selectEntries({ dataDir: data, include: [], exclude: [], includeKeys: false });
    appendFileSync(file, 'grown');
    const chunks: Buffer[] = [];
    for await (const c of packEntries(sel.entries, { allowLive, log, signal: new AbortController().signal, onBytes: () => undefined, onEntry: () => undefined })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  await assert.rejects(consume(false), /000001\.ldb changed size .*something writes the data dir/);
  const tarball = await consume(true);
  const ex = tar.extract();
  let entries = 0;
  const reading = (async () => {
    for await (const e of ex) {
      entries++;
      e.resume();
    }
  })();
  ex.end(tarball);
  await reading;
  assert.ok(entries > 10);
});

test('devString/parseProcLocks: the kernel formats', () => {
  assert.equal(devString(65024n), 'fe:00');
  assert.equal(devString((259n << 8n) | 3n), '103:03');
  const m = parseProcLocks('1: FLOCK  ADVISORY  WRITE 24096 fe:00:2188001 0 EOF\n2: -> POSIX  ADVISORY  WRITE 77 08:01:12 0 EOF\nnoise\n');
  assert.deepEqual([...m], [['fe:00:2188001', 24096], ['08:01:12', 77]]);
});

test('.tar.zst: snapshot-create -> restore-snapshot byte for byte; a flipped byte is caught by the frame checksum; a misnamed one gets a hint', { skip: typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function' ? false : 'no zlib zstd in this Node' }, async () => {
  const data = makeDataDir(join(tmp.dir, 'zst'));
  const c = await runMain(snapshotCreateCommand, ['--data-dir', data, '--to', `${store.url}/z/snap.tar.zst`]);
  assert.equal(c.code, 0, c.deps.err());
  const archive = store.objects.get('/z/snap.tar.zst')!;
  const sha = sumOf(store.objects.get('/z/snap.tar.zst.sha256')!.toString());
  const target = join(tmp.dir, 'zst-restored');
  const r = await runMain(restoreSnapshotCommand, ['--url', `${store.url}/z/snap.tar.zst`, '--data-dir', target, '--sha256', sha]);
  assert.equal(r.code, 0, r.deps.err());
  assert.deepEqual(tree(target, (rel) => rel === '.restore-snapshot.done'), tree(data, KEYS));

  // one byte changed in the middle of a compressed block: zstd's content checksum (or the block
  // decoder) rejects it before anything is moved into the data dir (no --sha256 given here)
  const bad = Buffer.from(archive);
  bad[Math.floor(bad.length / 2)]! ^= 0x40;
  store.objects.set('/z/bad.tar.zst', bad);
  const target2 = join(tmp.dir, 'zst-bad');
  const b = await runMain(restoreSnapshotCommand, ['--url', `${store.url}/z/bad.tar.zst`, '--data-dir', target2]);
  assert.equal(b.code, 1);
  assert.ok(errorLine(b.deps, 'E_ARCHIVE_CORRUPT') ?? errorLine(b.deps, 'E_UNSAFE_ARCHIVE'), b.deps.err());
  assert.deepEqual(tree(target2), {});

  store.objects.set('/z/misnamed.tar', archive);
  const m = await runMain(restoreSnapshotCommand, ['--url', `${store.url}/z/misnamed.tar`, '--data-dir', join(tmp.dir, 'zst-misnamed')]);
  assert.equal(m.code, 1);
  assert.match(String(errorLine(m.deps, 'E_ARCHIVE_CORRUPT')?.msg), /zstd-compressed; name it \.tar\.zst/);
});
