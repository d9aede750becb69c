// Black-box: the built executables (dist/luxops.cjs under node, the dist/luxops single executable on
// Node 24 with native zstd, and the per-utility bundle) upload with key-uploader and download with
// key-downloader against s3rver + fake-kms; objects are opened independently to check the envelope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runBin, jsonLines, BIN_VARIANTS } from '../helpers/run-bin.js';
import { AWS_ENV, awsArgs, listAll, nodeIdViaOpenssl, openIndependently, opensslPair, startKms, startS3, tempDir } from './fixtures.js';
import type { FakeKms, S3Fixture, TlsPair } from './fixtures.js';

let s3: S3Fixture;
let kms: FakeKms;
let pair: TlsPair;
let src: string;
const dirs: string[] = [];
const ENV = { ...AWS_ENV, PATH: process.env.PATH ?? '/usr/bin:/bin' };
const RUNS = BIN_VARIANTS;

before(async () => {
  s3 = await startS3();
  kms = await startKms();
  pair = opensslPair('ec');
  src = tempDir('kd-bb-src-');
  dirs.push(src);
  writeFileSync(join(src, 'staker.key'), pair.key, { mode: 0o600 });
  writeFileSync(join(src, 'staker.crt'), pair.cert);
});
after(async () => {
  await s3?.close();
  await kms?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

for (const [i, bin] of RUNS.entries()) {
  test(`${bin.name}: key-uploader seals, key-downloader installs, restart is a no-op`, async () => {
    const prefix = `bb${i}/{ordinal}`;
    const up = await runBin(bin.file, [...bin.pre, 'key-uploader', ...awsArgs(s3, kms, {
      'tls-key-path': join(src, 'staker.key'),
      'tls-cert-path': join(src, 'staker.crt'),
      's3-key-tls-key': `${prefix}/staker.key.zstd.encrypted`,
      's3-key-tls-cert': `${prefix}/staker.crt.zstd.encrypted`,
    })], { env: ENV });
    assert.equal(up.code, 0, up.stderr);
    const nodeId = nodeIdViaOpenssl(pair.cert);
    assert.equal((JSON.parse(up.stdout) as { nodeId: string }).nodeId, nodeId);
    // the envelope opens without our code (raw KMS Decrypt, node:crypto, `zstd -d`)
    assert.deepEqual(await openIndependently(kms.url, await s3.get(`bb${i}/3/staker.key.zstd.encrypted`)), pair.key);

    const out = tempDir('kd-bb-out-');
    dirs.push(out);
    const args = ['key-downloader', ...awsArgs(s3, kms, {
      's3-key-tls-key': `${prefix}/staker.key.zstd.encrypted`,
      's3-key-tls-cert': `${prefix}/staker.crt.zstd.encrypted`,
      'tls-key-path': join(out, 'staking', 'staker.key'),
      'tls-cert-path': join(out, 'staking', 'staker.crt'),
      'node-id-path': join(out, 'staking', 'node-id'),
      'expect-node-id': nodeId,
    })];
    const down = await runBin(bin.file, [...bin.pre, ...args], { env: ENV });
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, `${nodeId}\n`);
    assert.deepEqual(readFileSync(join(out, 'staking', 'staker.key')), pair.key);
    assert.deepEqual(readFileSync(join(out, 'staking', 'staker.crt')), pair.cert);
    assert.equal(statSync(join(out, 'staking', 'staker.key')).mode & 0o777, 0o600);
    assert.equal(jsonLines(down.stderr).find((l) => l.msg === 'verified TLS staking identity')?.nodeId, nodeId);
    const ino = statSync(join(out, 'staking', 'staker.key')).ino;
    const again = await runBin(bin.file, [...bin.pre, ...args], { env: ENV });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(statSync(join(out, 'staking', 'staker.key')).ino, ino);
    assert.deepEqual(listAll(out), ['staking', 'staking/node-id', 'staking/staker.crt', 'staking/staker.key']);
  });

  test(`${bin.name}: wrong --aad-tag exits 1 with one E_ENVELOPE_AUTH line and writes nothing; usage error exits 2`, async () => {
    const out = tempDir('kd-bb-fail-');
    dirs.push(out);
    await s3.put(`fail${i}/k`, await s3.get('bb0/3/staker.key.zstd.encrypted'));
    const r = await runBin(bin.file, [...bin.pre, 'key-downloader', ...awsArgs(s3, kms, {
      's3-key-tls-key': `fail${i}/k`,
      's3-key-tls-cert': 'bb0/3/staker.crt.zstd.encrypted',
      'tls-key-path': join(out, 'staker.key'),
      'tls-cert-path': join(out, 'staker.crt'),
      'aad-tag': 'wrong',
    })], { env: ENV });
    assert.equal(r.code, 1, r.stderr);
    const errors = jsonLines(r.stderr).filter((l) => l.level === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'E_ENVELOPE_AUTH');
    assert.equal(errors[0]!.msg, `cannot decrypt s3://b/fail${i}/k: GCM authentication failed (wrong --aad-tag, wrong KMS key, or corrupted object)`);
    assert.ok(!r.stderr.includes('    at '));
    assert.deepEqual(listAll(out), []);
    const u = await runBin(bin.file, [...bin.pre, 'key-downloader', '--s3-region', 'x'], { env: ENV });
    assert.equal(u.code, 2);
    assert.match(u.stderr, /^luxops key-downloader: missing required flag --s3-bucket \(or LUXOPS_S3_BUCKET\)$/m);
  });
}

test('per-utility bundle dist/bin/key-downloader.cjs runs the command without a command word', async () => {
  const r = await runBin(process.execPath, [join(ROOT, 'dist/bin/key-downloader.cjs'), '--help'], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: luxops key-downloader/);
  assert.match(r.stdout, /--s3-key-tls-cert/);
});
