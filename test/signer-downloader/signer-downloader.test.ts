// signer-downloader in-process: main() against s3rver + fake-kms; the published BLS test vector as
// known answer; every failure asserts exit code, the one-line message and an empty target.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { signerDownloaderCommand } from '../../src/signer-downloader/command.js';
import { verifyProofOfPossession } from '../../src/core/bls-key.js';
import { captureDeps } from '../helpers/deps.js';
import { BLS_SK as SK, BLS_PK as PK, AWS_ENV, awsArgs, listAll, sealedFixture, startKms, startS3, tempDir } from '../key-downloader/fixtures.js';
import type { FakeKms, S3Fixture } from '../key-downloader/fixtures.js';

// Ethereum consensus BLS test vector (see /work/shared/testdata/avalanchego-local/README.md)
const ORDER = Buffer.from('73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001', 'hex');
const OTHER = Buffer.alloc(32, 0);
OTHER[31] = 7;

let s3: S3Fixture;
let kms: FakeKms;
const dirs: string[] = [];

before(async () => {
  s3 = await startS3();
  kms = await startKms();
  await s3.put('signer/3.key.zstd.encrypted', await sealedFixture(kms.url, SK));
  await s3.put('signer/other.key.zstd.encrypted', await sealedFixture(kms.url, OTHER));
  await s3.put('signer/plain.key', SK);
  await s3.put('bad/short', await sealedFixture(kms.url, SK.subarray(0, 31)));
  await s3.put('bad/long', await sealedFixture(kms.url, Buffer.concat([SK, Buffer.from([0])])));
  await s3.put('bad/zero', await sealedFixture(kms.url, Buffer.alloc(32)));
  await s3.put('bad/order', await sealedFixture(kms.url, ORDER));
  await s3.put('bad/hex', await sealedFixture(kms.url, Buffer.from(SK.toString('hex'))));
});
after(async () => {
  await s3?.close();
  await kms?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function out(): string {
  const d = tempDir('sd-out-');
  dirs.push(d);
  return d;
}

async function run(dir: string, extra: Record<string, string> = {}, flags: string[] = [], env: Record<string, string> = {}) {
  const deps = captureDeps();
  const argv = [...awsArgs(s3, kms, { 's3-key': 'signer/{ordinal}.key.zstd.encrypted', 'key-path': join(dir, 'staking', 'signer.key'), ...extra }), ...flags];
  const code = await signerDownloaderCommand.main(argv, { ...AWS_ENV, ...env }, deps);
  const errors = deps.logs().filter((l) => l.level === 'error');
  return { code, deps, errors, error: errors[0] as { code?: string; msg?: string } | undefined };
}

test('known answer: writes the 32-byte key 0600, public key + PoP document, logs the published public key', async () => {
  const dir = out();
  const pubPath = join(dir, 'staking', 'signer.pub.json');
  const r = await run(dir, { 'public-key-path': pubPath, 'expect-public-key': PK.slice(2).toUpperCase() });
  assert.equal(r.code, 0, r.deps.err());
  assert.deepEqual(readFileSync(join(dir, 'staking', 'signer.key')), SK);
  assert.equal(statSync(join(dir, 'staking', 'signer.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'staking')).mode & 0o777, 0o700);
  const doc = JSON.parse(readFileSync(pubPath, 'utf8')) as { publicKey: string; proofOfPossession: string };
  assert.deepEqual(Object.keys(doc), ['publicKey', 'proofOfPossession']);
  assert.equal(doc.publicKey, PK);
  assert.match(doc.proofOfPossession, /^0x[0-9a-f]{192}$/);
  assert.ok(verifyProofOfPossession(Buffer.from(PK.slice(2), 'hex'), Buffer.from(doc.proofOfPossession.slice(2), 'hex')));
  assert.equal(r.deps.out(), readFileSync(pubPath, 'utf8'));
  const line = r.deps.logs().find((l) => l.msg === 'verified BLS signer key');
  assert.equal(line?.publicKey, PK);
  assert.ok(!r.deps.err().includes(SK.toString('hex')), 'secret never logged');
  assert.deepEqual(listAll(dir), ['staking', 'staking/signer.key', 'staking/signer.pub.json']);
});

test('restart with the same key: exit 0, nothing rewritten', async () => {
  const dir = out();
  assert.equal((await run(dir)).code, 0);
  const before = statSync(join(dir, 'staking', 'signer.key'));
  const r = await run(dir);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(statSync(join(dir, 'staking', 'signer.key')).ino, before.ino);
  assert.ok(r.deps.logs().some((l) => l.msg === 'signer key already in place, nothing written'));
});

test('existing different key: exit 1 E_EXISTING_DIFFERS and untouched; --overwrite replaces', async () => {
  const dir = out();
  mkdirSync(join(dir, 'staking'));
  writeFileSync(join(dir, 'staking', 'signer.key'), OTHER, { mode: 0o600 });
  const r = await run(dir);
  assert.equal(r.code, 1);
  assert.equal(r.error?.code, 'E_EXISTING_DIFFERS');
  assert.match(r.error?.msg ?? '', /^existing BLS signer key .*signer\.key holds a different key than BLS public key 0xa491d1b0\w+; refusing to replace without --overwrite$/);
  assert.deepEqual(readFileSync(join(dir, 'staking', 'signer.key')), OTHER);
  assert.deepEqual(listAll(dir), ['staking', 'staking/signer.key']);
  const o = await run(dir, {}, ['--overwrite']);
  assert.equal(o.code, 0, o.deps.err());
  assert.deepEqual(readFileSync(join(dir, 'staking', 'signer.key')), SK);
  assert.deepEqual(listAll(dir), ['staking', 'staking/signer.key']);
});

test('--plaintext reads the raw key object without KMS', async () => {
  const dir = out();
  const n = kms.calls.length;
  const r = await run(dir, { 's3-key': 'signer/plain.key' }, ['--plaintext']);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(kms.calls.length, n);
  assert.deepEqual(readFileSync(join(dir, 'staking', 'signer.key')), SK);
});

const failures: Array<{ name: string; extra?: Record<string, string>; code: string; msg: RegExp }> = [
  { name: '31 bytes', extra: { 's3-key': 'bad/short' }, code: 'E_BLS_KEY_INVALID', msg: /^invalid BLS signer key in s3:\/\/b\/bad\/short: 31 bytes, expected exactly 32 \(raw big-endian scalar\)$/ },
  { name: '33 bytes', extra: { 's3-key': 'bad/long' }, code: 'E_BLS_KEY_INVALID', msg: /33 bytes, expected exactly 32/ },
  { name: 'hex text instead of raw bytes', extra: { 's3-key': 'bad/hex' }, code: 'E_BLS_KEY_INVALID', msg: /64 bytes, expected exactly 32/ },
  { name: 'zero scalar', extra: { 's3-key': 'bad/zero' }, code: 'E_BLS_KEY_INVALID', msg: /^invalid BLS signer key in s3:\/\/b\/bad\/zero: the scalar is zero$/ },
  { name: 'scalar = group order', extra: { 's3-key': 'bad/order' }, code: 'E_BLS_KEY_INVALID', msg: /the scalar is not below the BLS12-381 group order$/ },
  { name: 'public key mismatch', extra: { 's3-key': 'signer/other.key.zstd.encrypted', 'expect-public-key': PK }, code: 'E_PUBLIC_KEY_MISMATCH', msg: /^BLS public key mismatch: the key's public key is 0x[0-9a-f]{96}, --expect-public-key is 0xa491d1b0\w+; nothing written$/ },
  { name: 'object missing', extra: { 's3-key': 'signer/{hostname}.key' }, code: 'E_S3_NOT_FOUND', msg: /^S3 object not found: bucket "b", key "signer\/luxd-3\.key"$/ },
  { name: 'wrong aad tag', extra: { 'aad-tag': 'x' }, code: 'E_ENVELOPE_AUTH', msg: /wrong --aad-tag, wrong KMS key, or corrupted object/ },
  { name: 'disabled KMS key', extra: { 'kms-key-id': 'off-key' }, code: 'E_KMS_KEY_DISABLED', msg: /^KMS key "off-key" is disabled/ },
];

for (const f of failures) {
  test(`failure: ${f.name} -> exit 1 ${f.code}, nothing on disk`, async () => {
    const dir = out();
    // the disabled key must be the one the object is sealed under: re-seal with it enabled, then disable
    const extra = { ...(f.extra ?? {}) };
    if (f.code === 'E_KMS_KEY_DISABLED') {
      const k = kms.keys.find((x) => x.id === 'off-key')!;
      k.enabled = true;
      await s3.put('signer/off.key', await sealedFixture(kms.url, SK, { keyId: 'off-key' }));
      k.enabled = false;
      extra['s3-key'] = 'signer/off.key';
    }
    const r = await run(dir, { ...extra, 'public-key-path': join(dir, 'staking', 'pub.json') });
    assert.equal(r.code, 1, r.deps.err());
    assert.equal(r.errors.length, 1);
    assert.equal(r.error?.code, f.code, r.deps.err());
    assert.match(r.error?.msg ?? '', f.msg);
    assert.ok(!r.deps.err().includes('    at '));
    assert.deepEqual(listAll(dir), []);
    assert.equal(r.deps.out(), '');
  });
}

test('usage errors exit 2 naming the flag', async () => {
  const dir = out();
  const bad = await run(dir, { 'expect-public-key': '0x1234' });
  assert.equal(bad.code, 2);
  assert.match(bad.deps.err(), /^luxops signer-downloader: invalid value for --expect-public-key: "0x1234", expected 48 bytes of hex \(96 hex digits, 0x optional\)\n/);
  const same = await run(dir, { 'public-key-path': join(dir, 'staking', 'signer.key') });
  assert.equal(same.code, 2);
  assert.match(same.deps.err(), /--key-path and --public-key-path name the same file .*; they must be different files/);
  const tmpl = await run(dir, {}, [], { HOSTNAME: 'laptop' });
  assert.equal(tmpl.code, 2);
  assert.match(tmpl.deps.err(), /--s3-key uses \{ordinal\} but HOSTNAME "laptop" does not end in a number/);
  assert.deepEqual(listAll(dir), []);
});

test('--check prints the resolved S3 key and touches nothing', async () => {
  const dir = out();
  const r = await run(dir, {}, ['--check']);
  assert.equal(r.code, 0, r.deps.err());
  const shown = JSON.parse(r.deps.out()) as { s3Key: string; config: { kmsKeyId: string } };
  assert.equal(shown.s3Key, 'signer/3.key.zstd.encrypted');
  assert.deepEqual(listAll(dir), []);
});

test('the right signer.key already in place at 0666: put back to 0600 and logged; exit 0', async () => {
  const dir = out();
  mkdirSync(join(dir, 'staking'), { mode: 0o700 });
  const keyPath = join(dir, 'staking', 'signer.key');
  writeFileSync(keyPath, SK);
  chmodSync(keyPath, 0o666);
  const r = await run(dir);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(statSync(keyPath).mode & 0o7777, 0o600);
  const fixed = r.deps.logs().find((l) => l.code === 'W_MODE_FIXED');
  assert.deepEqual([fixed?.path, fixed?.from, fixed?.to], [keyPath, '0666', '0600']);
  assert.ok(r.deps.logs().some((l) => l.msg === 'signer key already in place, nothing written'));
});

test('--key-path and --public-key-path aliasing through a directory symlink: exit 2, nothing written', async () => {
  const dir = out();
  mkdirSync(join(dir, 'b'));
  symlinkSync(join(dir, 'b'), join(dir, 'blink'));
  const r = await run(dir, { 'key-path': join(dir, 'b', 'signer.key'), 'public-key-path': join(dir, 'blink', 'signer.key') });
  assert.equal(r.code, 2, r.deps.err());
  assert.match(r.deps.err(), /--key-path and --public-key-path name the same file .*\/b\/signer\.key/);
  assert.deepEqual(listAll(dir), ['b', 'blink']);
});
