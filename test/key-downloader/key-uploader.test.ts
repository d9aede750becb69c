// key-uploader in-process: seal local key material into the avalanche-ops envelope, upload, and
// round-trip through both downloaders; the uploaded bytes are also opened independently (raw KMS
// Decrypt, node:crypto, zstd CLI). Failures upload nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { keyUploaderCommand } from '../../src/key-downloader/uploader-command.js';
import { keyDownloaderCommand } from '../../src/key-downloader/command.js';
import { signerDownloaderCommand } from '../../src/signer-downloader/command.js';
import { captureDeps } from '../helpers/deps.js';
import { BLS_SK as SK, BLS_PK as PK, AWS_ENV, awsArgs, nodeIdViaOpenssl, openIndependently, opensslPair, startKms, startS3, tempDir } from './fixtures.js';
import type { FakeKms, S3Fixture, TlsPair } from './fixtures.js';

let s3: S3Fixture;
let kms: FakeKms;
let pair: TlsPair;
let other: TlsPair;
let src: string;
const dirs: string[] = [];

before(async () => {
  s3 = await startS3();
  kms = await startKms();
  pair = opensslPair('ec');
  other = opensslPair('ec');
  src = tempDir('ku-src-');
  dirs.push(src);
  writeFileSync(join(src, 'staker.key'), pair.key, { mode: 0o600 });
  writeFileSync(join(src, 'staker.crt'), pair.cert);
  writeFileSync(join(src, 'other.crt'), other.cert);
  writeFileSync(join(src, 'signer.key'), SK, { mode: 0o600 });
  writeFileSync(join(src, 'bad-signer.key'), Buffer.alloc(32));
});
after(async () => {
  await s3?.close();
  await kms?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function upload(prefix: string, extra: Record<string, string> = {}, flags: string[] = [], env: Record<string, string> = {}) {
  const deps = captureDeps();
  const argv = [
    ...awsArgs(s3, kms, {
      'tls-key-path': join(src, 'staker.key'),
      'tls-cert-path': join(src, 'staker.crt'),
      'signer-key-path': join(src, 'signer.key'),
      's3-key-tls-key': `${prefix}/{ordinal}/staker.key.zstd.encrypted`,
      's3-key-tls-cert': `${prefix}/{ordinal}/staker.crt.zstd.encrypted`,
      's3-key-signer': `${prefix}/{ordinal}/signer.key.zstd.encrypted`,
      ...extra,
    }),
    ...flags,
  ];
  const code = await keyUploaderCommand.main(argv, { ...AWS_ENV, ...env }, deps);
  return { code, deps, error: deps.logs().find((l) => l.level === 'error') as { code?: string; msg?: string } | undefined };
}

test('uploads sealed objects that open independently and round-trip through both downloaders', async () => {
  const r = await upload('rt');
  assert.equal(r.code, 0, r.deps.err());
  const nodeId = nodeIdViaOpenssl(pair.cert);
  const summary = JSON.parse(r.deps.out()) as Record<string, unknown>;
  assert.equal(summary.nodeId, nodeId);
  assert.equal(summary.publicKey, PK);
  assert.deepEqual(summary.objects, ['rt/3/staker.key.zstd.encrypted', 'rt/3/staker.crt.zstd.encrypted', 'rt/3/signer.key.zstd.encrypted']);
  // the stored objects are envelopes (not the plaintext), and open without our code
  const sealedKey = await s3.get('rt/3/staker.key.zstd.encrypted');
  assert.equal(sealedKey.readUInt16LE(0), 12);
  assert.ok(!sealedKey.includes(pair.key.subarray(0, 40)));
  assert.deepEqual(await openIndependently(kms.url, sealedKey), pair.key);
  assert.deepEqual(await openIndependently(kms.url, await s3.get('rt/3/staker.crt.zstd.encrypted')), pair.cert);
  assert.deepEqual(await openIndependently(kms.url, await s3.get('rt/3/signer.key.zstd.encrypted')), SK);
  assert.ok(kms.calls.some((c) => c.target === 'GenerateDataKey' && c.keyId === 'test-key'));

  const out = tempDir('ku-out-');
  dirs.push(out);
  const kd = captureDeps();
  const kdArgs = awsArgs(s3, kms, {
    's3-key-tls-key': 'rt/{ordinal}/staker.key.zstd.encrypted',
    's3-key-tls-cert': 'rt/{ordinal}/staker.crt.zstd.encrypted',
    'tls-key-path': join(out, 'staker.key'),
    'tls-cert-path': join(out, 'staker.crt'),
    'expect-node-id': nodeId,
  });
  assert.equal(await keyDownloaderCommand.main(kdArgs, AWS_ENV, kd), 0, kd.err());
  assert.deepEqual(readFileSync(join(out, 'staker.key')), pair.key);
  assert.deepEqual(readFileSync(join(out, 'staker.crt')), pair.cert);
  const sd = captureDeps();
  const sdArgs = awsArgs(s3, kms, { 's3-key': 'rt/{ordinal}/signer.key.zstd.encrypted', 'key-path': join(out, 'signer.key'), 'expect-public-key': PK });
  assert.equal(await signerDownloaderCommand.main(sdArgs, AWS_ENV, sd), 0, sd.err());
  assert.deepEqual(readFileSync(join(out, 'signer.key')), SK);
});

test('existing object: exit 1 E_S3_OBJECT_EXISTS and unchanged; --overwrite replaces', async () => {
  await s3.put('ex/3/signer.key.zstd.encrypted', 'old');
  const r = await upload('ex', { 'tls-key-path': '', 'tls-cert-path': '', 's3-key-tls-key': '', 's3-key-tls-cert': '' });
  assert.equal(r.code, 1, r.deps.err());
  assert.equal(r.error?.code, 'E_S3_OBJECT_EXISTS');
  assert.match(r.error?.msg ?? '', /^S3 object s3:\/\/b\/ex\/3\/signer\.key\.zstd\.encrypted already exists; refusing to replace a validator identity without --overwrite$/);
  assert.equal((await s3.get('ex/3/signer.key.zstd.encrypted')).toString(), 'old');
  const o = await upload('ex', {}, ['--overwrite']);
  assert.equal(o.code, 0, o.deps.err());
  assert.deepEqual(await openIndependently(kms.url, await s3.get('ex/3/signer.key.zstd.encrypted')), SK);
});

test('--plaintext uploads the bytes as they are, without KMS', async () => {
  const n = kms.calls.length;
  const r = await upload('pt', { 'tls-key-path': '', 'tls-cert-path': '', 's3-key-tls-key': '', 's3-key-tls-cert': '', 'kms-key-id': '', 'aad-tag': '' }, ['--plaintext']);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(kms.calls.length, n);
  assert.deepEqual(await s3.get('pt/3/signer.key.zstd.encrypted'), SK);
});

const failures: Array<{ name: string; prefix: string; extra: Record<string, string>; code: string; msg: RegExp }> = [
  { name: 'key does not match certificate', prefix: 'f1', extra: { 'tls-cert-path': join('SRC', 'other.crt') }, code: 'E_KEY_CERT_MISMATCH', msg: /^invalid key material: --tls-key-path .*staker\.key is not the private key of --tls-cert-path .*other\.crt$/ },
  { name: 'invalid BLS key', prefix: 'f2', extra: { 'signer-key-path': join('SRC', 'bad-signer.key') }, code: 'E_BLS_KEY_INVALID', msg: /^invalid --signer-key-path .*bad-signer\.key: the scalar is zero$/ },
  { name: 'KMS denies GenerateDataKey', prefix: 'f3', extra: { 'kms-key-id': 'denied-key' }, code: 'E_KMS_ACCESS_DENIED', msg: /^KMS access denied: the pod's AWS principal may not kms:GenerateDataKey with key "denied-key"$/ },
  { name: 'S3 denies access', prefix: 'f4', extra: {}, code: 'E_S3_ACCESS_DENIED', msg: /^S3 access denied: the pod's AWS principal may not s3:GetObject on s3:\/\/b\/f4\/3\/staker\.key\.zstd\.encrypted/ },
];

for (const f of failures) {
  test(`failure: ${f.name} -> exit 1 ${f.code}, nothing uploaded`, async () => {
    const extra = Object.fromEntries(Object.entries(f.extra).map(([k, v]) => [k, v.replace('SRC', src)]));
    const env: Record<string, string> = f.prefix === 'f4' ? { AWS_ACCESS_KEY_ID: 'NOPE' } : {};
    const r = await upload(f.prefix, extra, [], env);
    assert.equal(r.code, 1, r.deps.err());
    assert.equal(r.error?.code, f.code, r.deps.err());
    assert.match(r.error?.msg ?? '', f.msg);
    for (const k of ['staker.key', 'staker.crt', 'signer.key']) assert.equal(await s3.exists(`${f.prefix}/3/${k}.zstd.encrypted`), false);
    assert.equal(r.deps.out(), '');
  });
}

test('KMS gives out on the last data key: nothing uploaded at all', async () => {
  // 2 successful GenerateDataKey, then throttling beyond the retry budget (retries 2 -> 3 attempts)
  const rule = { target: 'GenerateDataKey', skip: 2, count: 3 };
  kms.faults.rules.push(rule);
  const r = await upload('f5');
  kms.faults.rules.splice(kms.faults.rules.indexOf(rule), 1);
  assert.equal(rule.count, 0);
  assert.equal(r.code, 1, r.deps.err());
  assert.equal(r.error?.code, 'E_KMS_UNAVAILABLE');
  for (const k of ['staker.key', 'staker.crt', 'signer.key']) assert.equal(await s3.exists(`f5/3/${k}.zstd.encrypted`), false);
});

test('usage errors: exit 2 naming the flags', async () => {
  const missingInput = await upload('u1', { 'signer-key-path': join(src, 'nope.key') });
  assert.equal(missingInput.code, 2);
  assert.match(missingInput.deps.err(), /^luxops key-uploader: cannot read --signer-key-path .*nope\.key: ENOENT\n/);
  const half = await upload('u2', { 's3-key-tls-cert': '' });
  assert.equal(half.code, 2);
  assert.match(half.deps.err(), /the TLS upload needs all of --tls-key-path, --tls-cert-path, --s3-key-tls-key and --s3-key-tls-cert/);
  const halfSigner = await upload('u3', { 's3-key-signer': '' });
  assert.match(halfSigner.deps.err(), /the signer upload needs both --signer-key-path and --s3-key-signer/);
  const nothing = await upload('u4', { 'tls-key-path': '', 'tls-cert-path': '', 's3-key-tls-key': '', 's3-key-tls-cert': '', 'signer-key-path': '', 's3-key-signer': '' });
  assert.equal(nothing.code, 2);
  assert.match(nothing.deps.err(), /nothing to upload/);
  const noKms = await upload('u5', { 'kms-key-id': '' });
  assert.equal(noKms.code, 2);
  assert.match(noKms.deps.err(), /missing required flag --kms-key-id \(or LUXOPS_KEY_UPLOADER_KMS_KEY_ID\) unless --plaintext/);
  const dup = await upload('u6', { 's3-key-signer': 'u6/{ordinal}/staker.key.zstd.encrypted' });
  assert.match(dup.deps.err(), /the S3 keys of the uploaded files must be different/);
  for (const p of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) assert.equal(await s3.exists(`${p}/3/staker.key.zstd.encrypted`), false);
});

test('--check lists the planned uploads with templates expanded', async () => {
  const r = await upload('chk', {}, ['--check']);
  assert.equal(r.code, 0, r.deps.err());
  const shown = JSON.parse(r.deps.out()) as { uploads: Array<{ s3Key: string }> };
  assert.deepEqual(shown.uploads.map((u) => u.s3Key), ['chk/3/staker.key.zstd.encrypted', 'chk/3/staker.crt.zstd.encrypted', 'chk/3/signer.key.zstd.encrypted']);
});
