// key-downloader in-process: main() against s3rver + fake-kms with fixtures built by the zstd CLI and
// a byte-by-byte envelope. Every failure asserts exit code, the one-line message and an empty target.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { keyDownloaderCommand } from '../../src/key-downloader/command.js';
import { captureDeps } from '../helpers/deps.js';
import { AWS_ENV, awsArgs, listAll, nodeIdViaOpenssl, opensslPair, sealedFixture, startKms, startS3, tempDir, zstdCli } from './fixtures.js';
import type { FakeKms, S3Fixture, TlsPair } from './fixtures.js';

let s3: S3Fixture;
let kms: FakeKms;
let pair: TlsPair;
let other: TlsPair;
let rsa: TlsPair;
const dirs: string[] = [];

before(async () => {
  s3 = await startS3();
  kms = await startKms();
  pair = opensslPair('ec');
  other = opensslPair('ec');
  rsa = opensslPair('rsa');
  await s3.put('staking/3/staker.key.zstd.encrypted', await sealedFixture(kms.url, pair.key));
  await s3.put('staking/3/staker.crt.zstd.encrypted', await sealedFixture(kms.url, pair.cert));
  await s3.put('rsa/staker.key.zstd.encrypted', await sealedFixture(kms.url, rsa.key));
  await s3.put('rsa/staker.crt.zstd.encrypted', await sealedFixture(kms.url, rsa.cert));
  await s3.put('other/staker.crt.zstd.encrypted', await sealedFixture(kms.url, other.cert));
  await s3.put('plain/staker.key', pair.key);
  await s3.put('plain/staker.crt', pair.cert);
});
after(async () => {
  await s3?.close();
  await kms?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function out(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

async function run(dir: string, extra: Record<string, string> = {}, flags: string[] = [], env: Record<string, string> = {}) {
  const deps = captureDeps();
  const argv = [
    ...awsArgs(s3, kms, {
      's3-key-tls-key': 'staking/{ordinal}/staker.key.zstd.encrypted',
      's3-key-tls-cert': 'staking/{ordinal}/staker.crt.zstd.encrypted',
      'tls-key-path': join(dir, 'staking', 'staker.key'),
      'tls-cert-path': join(dir, 'staking', 'staker.crt'),
      ...extra,
    }),
    ...flags,
  ];
  const code = await keyDownloaderCommand.main(argv, { ...AWS_ENV, ...env }, deps);
  const errors = deps.logs().filter((l) => l.level === 'error');
  return { code, deps, errors, error: errors[0] as { code?: string; msg?: string } | undefined };
}

test('downloads, verifies and writes key 0600, cert 0644, dirs 0700, NodeID file; prints the NodeID', async () => {
  const dir = out();
  const r = await run(dir, { 'node-id-path': join(dir, 'staking', 'node-id') });
  assert.equal(r.code, 0, r.deps.err());
  const nodeId = nodeIdViaOpenssl(pair.cert);
  assert.equal(r.deps.out(), `${nodeId}\n`);
  assert.deepEqual(readFileSync(join(dir, 'staking', 'staker.key')), pair.key);
  assert.deepEqual(readFileSync(join(dir, 'staking', 'staker.crt')), pair.cert);
  assert.equal(readFileSync(join(dir, 'staking', 'node-id'), 'utf8'), nodeId);
  assert.equal(statSync(join(dir, 'staking', 'staker.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'staking', 'staker.crt')).mode & 0o777, 0o644);
  assert.equal(statSync(join(dir, 'staking')).mode & 0o777, 0o700);
  assert.deepEqual(listAll(dir), ['staking', 'staking/node-id', 'staking/staker.crt', 'staking/staker.key']);
  const verified = r.deps.logs().find((l) => l.msg === 'verified TLS staking identity');
  assert.equal(verified?.nodeId, nodeId);
  // KMS saw Decrypt with the pinned key id, signed with the env credentials
  const decrypts = kms.calls.filter((c) => c.target === 'Decrypt');
  assert.ok(decrypts.length >= 2);
  assert.ok(decrypts.every((c) => c.keyId === 'test-key' && c.accessKeyId === 'S3RVER'));
  // no secret material in the logs
  assert.ok(!r.deps.err().includes('PRIVATE KEY'));
});

test('RSA staking keys work too; --expect-node-id that matches passes', async () => {
  const dir = out();
  const nodeId = nodeIdViaOpenssl(rsa.cert);
  const r = await run(dir, { 's3-key-tls-key': 'rsa/staker.key.zstd.encrypted', 's3-key-tls-cert': 'rsa/staker.crt.zstd.encrypted', 'expect-node-id': nodeId });
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(r.deps.out(), `${nodeId}\n`);
});

test('restart with the same identity: exit 0, files not rewritten (same inode), stale NodeID file refreshed', async () => {
  const dir = out();
  const nodeIdPath = join(dir, 'staking', 'node-id');
  assert.equal((await run(dir, { 'node-id-path': nodeIdPath })).code, 0);
  const before = statSync(join(dir, 'staking', 'staker.key'));
  writeFileSync(nodeIdPath, 'NodeID-stale');
  const r = await run(dir, { 'node-id-path': nodeIdPath });
  assert.equal(r.code, 0, r.deps.err());
  const afterKey = statSync(join(dir, 'staking', 'staker.key'));
  assert.equal(afterKey.ino, before.ino);
  assert.equal(afterKey.mtimeMs, before.mtimeMs);
  assert.equal(readFileSync(nodeIdPath, 'utf8'), nodeIdViaOpenssl(pair.cert));
  const r2 = await run(dir, { 'node-id-path': nodeIdPath });
  assert.ok(r2.deps.logs().some((l) => l.msg === 'identity already in place, nothing written'));
});

test('existing files with another identity: exit 1 E_EXISTING_DIFFERS, untouched; --overwrite replaces', async () => {
  const dir = out();
  mkdirSync(join(dir, 'staking'), { mode: 0o700 });
  writeFileSync(join(dir, 'staking', 'staker.key'), other.key, { mode: 0o600 });
  writeFileSync(join(dir, 'staking', 'staker.crt'), other.cert);
  const r = await run(dir);
  assert.equal(r.code, 1);
  assert.equal(r.error?.code, 'E_EXISTING_DIFFERS');
  assert.match(r.error?.msg ?? '', /existing TLS key .*staker\.key, TLS certificate .*staker\.crt hold a different key than NodeID-\w+; refusing to replace without --overwrite/);
  assert.deepEqual(readFileSync(join(dir, 'staking', 'staker.key')), other.key);
  assert.deepEqual(listAll(dir), ['staking', 'staking/staker.crt', 'staking/staker.key']);
  const o = await run(dir, {}, ['--overwrite']);
  assert.equal(o.code, 0, o.deps.err());
  assert.deepEqual(readFileSync(join(dir, 'staking', 'staker.key')), pair.key);
  assert.ok(o.deps.logs().some((l) => l.code === 'W_OVERWRITE'));
  assert.deepEqual(listAll(dir), ['staking', 'staking/staker.crt', 'staking/staker.key']);
});

test('S3 and KMS in different regions: KMS requests are signed for --kms-region, which defaults to --s3-region', async () => {
  let before = kms.calls.length;
  const r = await run(out(), { 's3-region': 'us-east-1', 'kms-region': 'eu-west-1' });
  assert.equal(r.code, 0, r.deps.err());
  assert.deepEqual([...new Set(kms.calls.slice(before).map((c) => c.signedRegion))], ['eu-west-1']);
  before = kms.calls.length;
  const args = awsArgs(s3, kms).filter((a, i, all) => a !== '--kms-region' && all[i - 1] !== '--kms-region');
  const deps = captureDeps();
  const dir = out();
  const code = await keyDownloaderCommand.main([...args, '--s3-region', 'ap-south-1', '--s3-key-tls-key', 'staking/3/staker.key.zstd.encrypted', '--s3-key-tls-cert', 'staking/3/staker.crt.zstd.encrypted', '--tls-key-path', join(dir, 'k'), '--tls-cert-path', join(dir, 'c')], AWS_ENV, deps);
  assert.equal(code, 0, deps.err());
  assert.deepEqual([...new Set(kms.calls.slice(before).map((c) => c.signedRegion))], ['ap-south-1']);
});

test('only the certificate exists and matches: the missing key is written', async () => {
  const dir = out();
  mkdirSync(join(dir, 'staking'));
  writeFileSync(join(dir, 'staking', 'staker.crt'), pair.cert);
  const r = await run(dir);
  assert.equal(r.code, 0, r.deps.err());
  assert.deepEqual(readFileSync(join(dir, 'staking', 'staker.key')), pair.key);
});

test('--plaintext: objects are the PEM files themselves, no KMS call', async () => {
  const dir = out();
  const before = kms.calls.length;
  const r = await run(dir, { 's3-key-tls-key': 'plain/staker.key', 's3-key-tls-cert': 'plain/staker.crt', 'kms-endpoint': 'http://127.0.0.1:9' }, ['--plaintext']);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(kms.calls.length, before);
  assert.deepEqual(readFileSync(join(dir, 'staking', 'staker.crt')), pair.cert);
});

interface FailCase {
  name: string;
  setup?: () => Promise<Record<string, string>>;
  extra?: Record<string, string>;
  flags?: string[];
  env?: Record<string, string>;
  code: string;
  msg: RegExp;
}

const failures: FailCase[] = [
  {
    name: 'object missing',
    extra: { 's3-key-tls-key': 'nope/{hostname}.key' },
    code: 'E_S3_NOT_FOUND',
    msg: /^S3 object not found: bucket "b", key "nope\/luxd-3\.key"$/,
  },
  {
    name: 'S3 access denied (unknown access key)',
    env: { AWS_ACCESS_KEY_ID: 'NOT-S3RVER' },
    code: 'E_S3_ACCESS_DENIED',
    msg: /^S3 access denied: the pod's AWS principal may not s3:GetObject on s3:\/\/b\/staking\/3\/staker\.key\.zstd\.encrypted \(InvalidAccessKeyId\)$/,
  },
  {
    name: 'KMS access denied',
    setup: async () => {
      const key = kms.keys.find((k) => k.id === 'denied-key')!;
      key.denied = false;
      await s3.put('denied/k', await sealedFixture(kms.url, pair.key, { keyId: 'denied-key' }));
      key.denied = true;
      return { 's3-key-tls-key': 'denied/k' };
    },
    extra: { 'kms-key-id': 'denied-key' },
    code: 'E_KMS_ACCESS_DENIED',
    msg: /^KMS access denied: the pod's AWS principal may not kms:Decrypt with key "denied-key"$/,
  },
  {
    name: 'KMS key disabled',
    setup: async () => {
      kms.keys.find((k) => k.id === 'other-key')!.enabled = true;
      await s3.put('disabled/k', await sealedFixture(kms.url, pair.key, { keyId: 'other-key' }));
      await s3.put('disabled/c', await sealedFixture(kms.url, pair.cert, { keyId: 'other-key' }));
      kms.keys.find((k) => k.id === 'other-key')!.enabled = false;
      return { 's3-key-tls-key': 'disabled/k', 's3-key-tls-cert': 'disabled/c' };
    },
    extra: { 'kms-key-id': 'other-key' },
    code: 'E_KMS_KEY_DISABLED',
    msg: /^KMS key "other-key" is disabled \(kms:Decrypt\)$/,
  },
  {
    name: 'wrong --kms-key-id',
    extra: { 'kms-key-id': 'alias/nonexistent' },
    code: 'E_KMS_KEY_NOT_FOUND',
    msg: /^KMS key "alias\/nonexistent" not found \(kms:Decrypt\); check --kms-key-id and --kms-region$/,
  },
  {
    name: 'object sealed under another KMS key',
    setup: async () => {
      kms.keys.find((k) => k.id === 'other-key')!.enabled = true;
      return {};
    },
    extra: { 'kms-key-id': 'other-key' },
    code: 'E_KMS_INCORRECT_KEY',
    msg: /^KMS kms:Decrypt: the object's data key was not encrypted under key "other-key" \(wrong --kms-key-id\?\)$/,
  },
  {
    name: 'corrupted encrypted data key',
    setup: async () => {
      const env = await sealedFixture(kms.url, pair.key);
      env[20] = env[20]! ^ 0xff;
      await s3.put('bad-blob/k', env);
      return { 's3-key-tls-key': 'bad-blob/k' };
    },
    code: 'E_KMS_INVALID_CIPHERTEXT',
    msg: /^KMS kms:Decrypt rejected the object's encrypted data key as invalid \(wrong --kms-key-id, or corrupted object\)$/,
  },
  {
    name: 'wrong --aad-tag',
    extra: { 'aad-tag': 'not-the-tag' },
    code: 'E_ENVELOPE_AUTH',
    msg: /^cannot decrypt s3:\/\/b\/staking\/3\/staker\.key\.zstd\.encrypted: GCM authentication failed \(wrong --aad-tag, wrong KMS key, or corrupted object\)$/,
  },
  {
    name: 'corrupted ciphertext',
    setup: async () => {
      const env = await sealedFixture(kms.url, pair.key);
      env[env.length - 20] = env[env.length - 20]! ^ 1;
      await s3.put('flip/k', env);
      return { 's3-key-tls-key': 'flip/k' };
    },
    code: 'E_ENVELOPE_AUTH',
    msg: /GCM authentication failed \(wrong --aad-tag, wrong KMS key, or corrupted object\)$/,
  },
  {
    name: 'nonce length is not 12',
    setup: async () => {
      const env = await sealedFixture(kms.url, pair.key);
      env[0] = 16;
      await s3.put('nonce/k', env);
      return { 's3-key-tls-key': 'nonce/k' };
    },
    code: 'E_ENVELOPE_NONCE_LENGTH',
    msg: /^malformed envelope in s3:\/\/b\/nonce\/k: nonce length 16, expected 12/,
  },
  {
    name: 'data key length larger than the file',
    setup: async () => {
      await s3.put('blobsize/k', Buffer.from([12, 0, 0xff, 0x7f, ...new Array(40).fill(1)]));
      return { 's3-key-tls-key': 'blobsize/k' };
    },
    code: 'E_ENVELOPE_KEY_LENGTH',
    msg: /^malformed envelope in s3:\/\/b\/blobsize\/k: encrypted data key length 32767 does not fit in 44 bytes$/,
  },
  {
    name: 'file shorter than header + key + tag',
    setup: async () => {
      const env = await sealedFixture(kms.url, pair.key);
      const n = env[2]! | (env[3]! << 8);
      await s3.put('short/k', env.subarray(0, 16 + n + 15));
      return { 's3-key-tls-key': 'short/k' };
    },
    code: 'E_ENVELOPE_TOO_SHORT',
    msg: /^malformed envelope in s3:\/\/b\/short\/k: \d+ bytes is shorter than header, data key and the 16-byte GCM tag/,
  },
  {
    name: 'plaintext inside the envelope is not zstd',
    setup: async () => {
      const { dataKeyFrom, envelopeBytes } = await import('./fixtures.js');
      const dk = await dataKeyFrom(kms.url);
      await s3.put('notzstd/k', envelopeBytes(pair.key, dk.plaintext, dk.blob, 'lux-test-aad'));
      return { 's3-key-tls-key': 'notzstd/k' };
    },
    code: 'E_ZSTD',
    msg: /^cannot decompress s3:\/\/b\/notzstd\/k: not a zstd frame \(bad magic number\)$/,
  },
  {
    name: 'truncated zstd frame',
    setup: async () => {
      const { dataKeyFrom, envelopeBytes } = await import('./fixtures.js');
      const dk = await dataKeyFrom(kms.url);
      const frame = zstdCli(pair.key);
      await s3.put('trunc/k', envelopeBytes(frame.subarray(0, frame.length - 8), dk.plaintext, dk.blob, 'lux-test-aad'));
      return { 's3-key-tls-key': 'trunc/k' };
    },
    code: 'E_ZSTD',
    msg: /^cannot decompress s3:\/\/b\/trunc\/k: invalid zstd data/,
  },
  {
    name: 'key object holds a certificate',
    extra: { 's3-key-tls-key': 'staking/3/staker.crt.zstd.encrypted' },
    code: 'E_TLS_KEY_INVALID',
    msg: /^invalid key material: s3:\/\/b\/staking\/3\/staker\.crt\.zstd\.encrypted is not a private key/,
  },
  {
    name: 'certificate object holds a key',
    extra: { 's3-key-tls-cert': 'staking/3/staker.key.zstd.encrypted' },
    code: 'E_CERT_INVALID',
    msg: /^invalid key material: s3:\/\/b\/staking\/3\/staker\.key\.zstd\.encrypted is not an X\.509 certificate/,
  },
  {
    name: 'key does not match the certificate',
    extra: { 's3-key-tls-cert': 'other/staker.crt.zstd.encrypted' },
    code: 'E_KEY_CERT_MISMATCH',
    msg: /^invalid key material: s3:\/\/b\/staking\/3\/staker\.key\.zstd\.encrypted is not the private key of s3:\/\/b\/other\/staker\.crt\.zstd\.encrypted$/,
  },
  {
    name: 'NodeID mismatch',
    extra: { 'expect-node-id': 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg' },
    code: 'E_NODE_ID_MISMATCH',
    msg: /^NodeID mismatch: the certificate is NodeID-\w+, --expect-node-id is NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg; nothing written$/,
  },
];

for (const f of failures) {
  test(`failure: ${f.name} -> exit 1 ${f.code}, nothing on disk`, async () => {
    const dir = out();
    const extra = { ...(f.extra ?? {}), ...((await f.setup?.()) ?? {}) };
    const r = await run(dir, { ...extra, 'node-id-path': join(dir, 'staking', 'node-id') }, f.flags ?? [], f.env ?? {});
    assert.equal(r.code, 1, r.deps.err());
    assert.equal(r.errors.length, 1, r.deps.err());
    assert.equal(r.error?.code, f.code, r.deps.err());
    assert.match(r.error?.msg ?? '', f.msg);
    assert.ok(!(r.error?.msg ?? '').includes('\n'));
    assert.ok(!r.deps.err().includes('    at '), 'no stack trace');
    assert.deepEqual(listAll(dir), []);
    assert.equal(r.deps.out(), '');
  });
}

test('the right identity already in place with a loose mode: staker.key put back to 0600 (logged), bytes and inode kept', async () => {
  const dir = out();
  assert.equal((await run(dir)).code, 0);
  const keyPath = join(dir, 'staking', 'staker.key');
  const crtPath = join(dir, 'staking', 'staker.crt');
  chmodSync(keyPath, 0o644);
  chmodSync(crtPath, 0o666);
  const ino = statSync(keyPath).ino;
  const r = await run(dir);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(statSync(keyPath).mode & 0o7777, 0o600);
  assert.equal(statSync(crtPath).mode & 0o7777, 0o644);
  assert.equal(statSync(keyPath).ino, ino, 'fixed in place, not rewritten');
  const fixed = r.deps.logs().filter((l) => l.code === 'W_MODE_FIXED');
  assert.deepEqual(fixed.map((l) => [l.path, l.from, l.to]), [[keyPath, '0644', '0600'], [crtPath, '0666', '0644']]);
  assert.match(String(fixed[0]!.msg), /TLS key .*staker\.key was already in place with mode 0644; set to 0600/);
  assert.ok(r.deps.logs().some((l) => l.msg === 'identity already in place, nothing written'));
  // a third run has nothing to fix
  assert.equal((await run(dir)).deps.logs().filter((l) => l.code === 'W_MODE_FIXED').length, 0);
});

test('a staker.key that is a symlink to a loose copy is replaced by a regular 0600 file; the link target is not touched', async () => {
  const dir = out();
  mkdirSync(join(dir, 'staking'), { mode: 0o700 });
  const elsewhere = join(dir, 'elsewhere.key');
  writeFileSync(elsewhere, pair.key);
  chmodSync(elsewhere, 0o644);
  symlinkSync(elsewhere, join(dir, 'staking', 'staker.key'));
  const r = await run(dir);
  assert.equal(r.code, 0, r.deps.err());
  const st = lstatSync(join(dir, 'staking', 'staker.key'));
  assert.ok(st.isFile(), 'no longer a link');
  assert.equal(st.mode & 0o7777, 0o600);
  assert.equal(statSync(elsewhere).mode & 0o7777, 0o644);
});

test('key and certificate paths that alias through a directory symlink: exit 2, nothing written', async () => {
  const dir = out();
  mkdirSync(join(dir, 'b'));
  symlinkSync('b', join(dir, 'blink'));
  const r = await run(dir, { 'tls-key-path': join(dir, 'b', 'staker.key'), 'tls-cert-path': join(dir, 'blink', 'staker.key') });
  assert.equal(r.code, 2, r.deps.err());
  assert.match(r.deps.err(), /--tls-key-path and --tls-cert-path name the same file .*\/b\/staker\.key \(.*blink\/staker\.key resolves there through a symlink\); they must be different files/);
  assert.deepEqual(listAll(dir), ['b', 'blink']);
  // directories still to be created below the link alias just the same
  const r2 = await run(dir, { 'tls-key-path': join(dir, 'b', 'new', 'staker.key'), 'tls-cert-path': join(dir, 'blink', 'new', 'staker.key') });
  assert.equal(r2.code, 2, r2.deps.err());
  assert.match(r2.deps.err(), /name the same file .*\/b\/new\/staker\.key/);
  // and so does the NodeID file
  const r3 = await run(dir, { 'tls-key-path': join(dir, 'b', 'k'), 'tls-cert-path': join(dir, 'b', 'c'), 'node-id-path': join(dir, 'blink', 'c') });
  assert.equal(r3.code, 2);
  assert.match(r3.deps.err(), /--tls-cert-path and --node-id-path name the same file/);
  assert.deepEqual(listAll(dir), ['b', 'blink']);
});
