// Unit tests of the pure pieces: envelope layout, zstd (checked against the zstd CLI both ways),
// key templates, NodeID / CB58 and BLS known answers, SDK error mapping, staged identity writes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { parseEnvelope, openEnvelope, sealEnvelope } from '../../src/core/envelope.js';
import { zstdCompress, zstdDecompress, zstdRawFrame, nativeZstdCompress } from '../../src/core/zstd.js';
import { expandKeyTemplate, ordinalOf } from '../../src/core/key-template.js';
import { deriveBlsKey, checkBlsSecretKey, verifyProofOfPossession, hex0x, BLS_POP_DST } from '../../src/core/bls-key.js';
import { nodeIdFromCertDer, isValidNodeId, cb58Encode } from '../../src/key-downloader/node-id.js';
import { nodeIdOfCertificate, verifyTlsIdentity, parsePrivateKey } from '../../src/key-downloader/tls-identity.js';
import { mapS3Error } from '../../src/core/s3-object.js';
import { mapKmsError } from '../../src/core/kms.js';
import { isAwsTransient, awsClientConfig } from '../../src/core/aws-client.js';
import { planIdentityWrite, commitIdentityFiles, applyWritePlan } from '../../src/core/identity-files.js';
import { silentLogger } from '../../src/core/log.js';
import { LuxopsError, UsageError } from '../../src/core/errors.js';
import { envelopeBytes, listAll, nodeIdViaOpenssl, opensslPair, tempDir, unzstdCli, zstdCli } from './fixtures.js';

const STAKER1 = readFileSync('/work/shared/testdata/avalanchego-local/staker1.crt');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as LuxopsError).code;
  }
  return undefined;
};

test('envelope: a byte-built fixture parses into nonce / blob / sealed and opens', () => {
  const key = randomBytes(32);
  const blob = randomBytes(184);
  const nonce = randomBytes(12);
  const env = envelopeBytes(Buffer.from('frame bytes'), key, blob, 'aad', nonce);
  const parts = parseEnvelope(env);
  assert.deepEqual(Buffer.from(parts.nonce), nonce);
  assert.deepEqual(Buffer.from(parts.encryptedDataKey), blob);
  assert.equal(parts.sealed.length, 11 + 16);
  assert.equal(openEnvelope(parts, key, 'aad').toString(), 'frame bytes');
  assert.equal(codeOf(() => openEnvelope(parts, key, 'other')), 'E_ENVELOPE_AUTH');
  assert.equal(codeOf(() => openEnvelope(parts, randomBytes(16), 'aad')), 'E_KMS_DATA_KEY');
});

test('envelope: sealEnvelope is byte-identical to the byte-built layout for the same nonce', () => {
  const key = randomBytes(32);
  const blob = randomBytes(200);
  const nonce = randomBytes(12);
  const frame = zstdCli(Buffer.from('staking key'));
  assert.deepEqual(sealEnvelope(frame, key, blob, 'tag', nonce), envelopeBytes(frame, key, blob, 'tag', nonce));
  assert.equal(codeOf(() => sealEnvelope(frame, key, Buffer.alloc(0), 'tag')), 'E_ENVELOPE_KEY_LENGTH');
  assert.equal(codeOf(() => sealEnvelope(frame, key, Buffer.alloc(70000), 'tag')), 'E_ENVELOPE_KEY_LENGTH');
  assert.equal(codeOf(() => sealEnvelope(frame, key, blob, 'tag', Buffer.alloc(16))), 'E_ENVELOPE_NONCE_LENGTH');
  assert.equal(codeOf(() => sealEnvelope(frame, Buffer.alloc(31), blob, 'tag')), 'E_KMS_DATA_KEY');
});

test('envelope: malformed inputs each have their own code', () => {
  assert.equal(codeOf(() => parseEnvelope(Buffer.from([12, 0]))), 'E_ENVELOPE_TOO_SHORT');
  assert.equal(codeOf(() => parseEnvelope(Buffer.alloc(100))), 'E_ENVELOPE_NONCE_LENGTH');
  assert.equal(codeOf(() => parseEnvelope(Buffer.from([12, 0, 0, 0, ...new Array(40).fill(0)]))), 'E_ENVELOPE_KEY_LENGTH');
  assert.equal(codeOf(() => parseEnvelope(Buffer.from([12, 0, 10, 0, ...new Array(21).fill(0)]))), 'E_ENVELOPE_KEY_LENGTH');
  // 16 + 10 + 15: one byte short of the tag
  assert.equal(codeOf(() => parseEnvelope(Buffer.from([12, 0, 10, 0, ...new Array(37).fill(0)]))), 'E_ENVELOPE_TOO_SHORT');
  assert.equal(codeOf(() => parseEnvelope(Buffer.from([12, 0, 10, 0, ...new Array(38).fill(0)]))), undefined);
});

test('zstd: raw-block frames decode with the zstd CLI and with our decoder, at block and size-field edges', () => {
  for (const n of [0, 1, 255, 256, 65791, 65792, 131072, 131073, 300000]) {
    const data = randomBytes(n);
    const frame = zstdRawFrame(data);
    assert.deepEqual(unzstdCli(frame), data, `zstd -d of ${n} bytes`);
    assert.deepEqual(zstdDecompress(frame), data);
  }
});

test('zstd: zstdCompress output decodes with the CLI: default encoder, forced raw frame, and the native call shape', () => {
  const data = Buffer.from('-----BEGIN PRIVATE KEY-----\n'.repeat(50));
  assert.deepEqual(unzstdCli(zstdCompress(data)), data);
  const raw = zstdCompress(data, null);
  assert.deepEqual(raw, zstdRawFrame(data));
  assert.deepEqual(unzstdCli(raw), data);
  // the native path passes the content size so the frame header carries it
  let seen: { pledgedSrcSize?: number } | undefined;
  const stub = (buf: Uint8Array, opts?: { pledgedSrcSize?: number }) => ((seen = opts), zstdRawFrame(buf));
  assert.deepEqual(unzstdCli(zstdCompress(data, stub)), data);
  assert.equal(seen?.pledgedSrcSize, data.length);
  const native = nativeZstdCompress();
  if (native) {
    // Node >= 22.15 (the single executable): real compression, still readable by the zstd CLI
    const frame = zstdCompress(data, native);
    assert.deepEqual(unzstdCli(frame), data);
    assert.ok(frame.length < data.length / 4, `native frame ${frame.length} bytes`);
  }
});

test('zstd: CLI frames (with and without content size) decode; garbage, truncation and oversize are E_ZSTD', () => {
  const data = randomBytes(5000);
  assert.deepEqual(zstdDecompress(zstdCli(data)), data);
  // from a file the CLI records the content size in the frame header
  const d = tempDir('kd-zstd-');
  dirs.push(d);
  writeFileSync(join(d, 'f'), data);
  const withSize = execFileSync('zstd', ['-q', '-c', join(d, 'f')]);
  assert.notDeepEqual(withSize.subarray(0, 6), zstdCli(data).subarray(0, 6));
  assert.deepEqual(zstdDecompress(withSize), data);
  assert.equal(codeOf(() => zstdDecompress(Buffer.from('nope'))), 'E_ZSTD');
  assert.equal(codeOf(() => zstdDecompress(zstdCli(data).subarray(0, 30))), 'E_ZSTD');
  assert.equal(codeOf(() => zstdDecompress(zstdRawFrame(data), 'x', 1000)), 'E_ZSTD');
});

test('key templates: {ordinal} and {hostname} from HOSTNAME; unknown placeholders and missing ordinal are usage errors', () => {
  assert.equal(ordinalOf('luxd-3'), '3');
  assert.equal(ordinalOf('luxd-mainnet-12'), '12');
  assert.equal(ordinalOf('laptop'), undefined);
  const env = { HOSTNAME: 'luxd-12' };
  assert.equal(expandKeyTemplate('k/{ordinal}/{hostname}.key', 'f', env), 'k/12/luxd-12.key');
  assert.equal(expandKeyTemplate('plain/key', 'f', {}), 'plain/key');
  assert.throws(() => expandKeyTemplate('{ordinal}', 'f', { HOSTNAME: 'x' }), (e: unknown) => e instanceof UsageError && /--f uses \{ordinal\}/.test(e.message));
  assert.throws(() => expandKeyTemplate('{hostname}', 'f', {}), /HOSTNAME is not set/);
  assert.throws(() => expandKeyTemplate('{pod}', 'f', env), /unknown placeholder \{pod\}/);
});

test('NodeID: staker1 known answer, openssl cross-check, CB58 validation', () => {
  assert.equal(nodeIdOfCertificate(STAKER1), 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg');
  assert.equal(nodeIdViaOpenssl(STAKER1), 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg');
  const pair = opensslPair('ec');
  assert.equal(nodeIdOfCertificate(pair.cert), nodeIdViaOpenssl(pair.cert));
  assert.equal(nodeIdFromCertDer(new Uint8Array(0)).startsWith('NodeID-'), true);
  assert.ok(isValidNodeId('NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg'));
  assert.ok(!isValidNodeId('NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lh'));
  assert.ok(!isValidNodeId('7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg'));
  assert.ok(!isValidNodeId('NodeID-0OIl'));
  assert.ok(!isValidNodeId(`NodeID-${cb58Encode(new Uint8Array(19))}`));
});

test('TLS identity: DER inputs, mismatches and garbage', () => {
  const pair = opensslPair('ec');
  const other = opensslPair('ec');
  const names = { key: 'k', cert: 'c' };
  assert.equal(verifyTlsIdentity(pair.key, pair.cert, names).nodeId, nodeIdViaOpenssl(pair.cert));
  const derKey = parsePrivateKey(pair.key, 'k').export({ format: 'der', type: 'pkcs8' });
  assert.equal(verifyTlsIdentity(derKey, pair.cert, names).keyType, 'ec');
  assert.equal(codeOf(() => verifyTlsIdentity(pair.key, other.cert, names)), 'E_KEY_CERT_MISMATCH');
  assert.equal(codeOf(() => verifyTlsIdentity(Buffer.from('junk'), pair.cert, names)), 'E_TLS_KEY_INVALID');
  assert.equal(codeOf(() => verifyTlsIdentity(Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), pair.cert, names)), 'E_TLS_KEY_INVALID');
  assert.equal(codeOf(() => verifyTlsIdentity(pair.key, Buffer.from('junk'), names)), 'E_CERT_INVALID');
});

test('BLS: published test vector public key; PoP verifies under the POP DST only; scalar bounds', () => {
  const sk = Buffer.from('263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3', 'hex');
  const info = deriveBlsKey(sk);
  assert.equal(hex0x(info.publicKey), '0xa491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a');
  assert.equal(info.proofOfPossession.length, 96);
  assert.ok(verifyProofOfPossession(info.publicKey, info.proofOfPossession));
  assert.equal(BLS_POP_DST, 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_');
  // the PoP is a signature under the POP DST, not the default (NUL) signing DST
  const sigs = bls12_381.longSignatures;
  const nul = sigs.sign(sigs.hash(info.publicKey), sk).toBytes(true);
  assert.notDeepEqual(Buffer.from(nul), Buffer.from(info.proofOfPossession));
  assert.deepEqual(Buffer.from(sigs.sign(sigs.hash(info.publicKey, BLS_POP_DST), sk).toBytes(true)), Buffer.from(info.proofOfPossession));
  const other = deriveBlsKey(Buffer.from('47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138', 'hex'));
  assert.ok(!verifyProofOfPossession(info.publicKey, other.proofOfPossession));
  const orderMinus1 = Buffer.from('73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000', 'hex');
  assert.equal(codeOf(() => checkBlsSecretKey(orderMinus1)), undefined);
  assert.equal(codeOf(() => checkBlsSecretKey(Buffer.alloc(32, 0xff))), 'E_BLS_KEY_INVALID');
});

test('S3 / KMS error mapping and transient classification', () => {
  const err = (name: string, status?: number, extra: object = {}) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });
  assert.equal(mapS3Error(err('NoSuchKey', 404), 's3:GetObject', 'b', 'k').code, 'E_S3_NOT_FOUND');
  assert.equal(mapS3Error(err('NotFound', 404), 's3:GetObject', 'b', 'k').code, 'E_S3_NOT_FOUND');
  assert.equal(mapS3Error(err('NoSuchBucket', 404), 's3:GetObject', 'b', 'k').code, 'E_S3_NO_SUCH_BUCKET');
  assert.equal(mapS3Error(err('AccessDenied', 403), 's3:PutObject', 'b', 'k').message, "S3 access denied: the pod's AWS principal may not s3:PutObject on s3://b/k (AccessDenied)");
  assert.equal(mapS3Error(err('InternalError', 500), 's3:GetObject', 'b', 'k').code, 'E_S3_UNAVAILABLE');
  assert.equal(mapS3Error(err('InvalidRange', 416), 's3:GetObject', 'b', 'k').code, 'E_S3_FAILED');
  const already = new LuxopsError('E_X', 'x');
  assert.equal(mapS3Error(already, 's3:GetObject', 'b', 'k'), already);
  const m = (name: string, status?: number) => mapKmsError(err(name, status), 'kms:Decrypt', 'k').code;
  assert.equal(m('AccessDeniedException', 400), 'E_KMS_ACCESS_DENIED');
  assert.equal(m('UnrecognizedClientException', 400), 'E_KMS_ACCESS_DENIED');
  assert.equal(m('Whatever', 403), 'E_KMS_ACCESS_DENIED');
  assert.equal(m('DisabledException', 400), 'E_KMS_KEY_DISABLED');
  assert.equal(m('KMSInvalidStateException', 400), 'E_KMS_KEY_DISABLED');
  assert.equal(m('NotFoundException', 400), 'E_KMS_KEY_NOT_FOUND');
  assert.equal(m('IncorrectKeyException', 400), 'E_KMS_INCORRECT_KEY');
  assert.equal(m('InvalidCiphertextException', 400), 'E_KMS_INVALID_CIPHERTEXT');
  assert.equal(m('KMSInternalException', 500), 'E_KMS_UNAVAILABLE');
  assert.equal(m('ValidationException', 400), 'E_KMS_FAILED');
  assert.ok(isAwsTransient(err('ThrottlingException', 400)));
  assert.ok(isAwsTransient(err('SlowDown', 503)));
  assert.ok(isAwsTransient(Object.assign(new Error('x'), { code: 'ECONNRESET' })));
  assert.ok(!isAwsTransient(Object.assign(new Error('x'), { name: 'AbortError' })));
  assert.ok(!isAwsTransient(err('AccessDenied', 403)));
});

test('AWS client config: env credentials, endpoint, profile; no credentials leaves the default chain', () => {
  const withEnv = awsClientConfig({ region: 'r', endpoint: 'http://127.0.0.1:1', profile: 'p', requestTimeoutMs: 1000, env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' } });
  assert.deepEqual(withEnv.credentials, { accessKeyId: 'a', secretAccessKey: 's', sessionToken: 't' });
  assert.equal(withEnv.endpoint, 'http://127.0.0.1:1');
  assert.equal(withEnv.profile, 'p');
  assert.equal(withEnv.maxAttempts, 1);
  const chain = awsClientConfig({ region: 'r', requestTimeoutMs: 1000, env: {} });
  assert.equal(chain.credentials, undefined);
  assert.equal(chain.endpoint, undefined);
});

test('identity files: staged writes leave no temp file when a rename fails; planning and overwrite rule', async () => {
  const dir = tempDir('kd-files-');
  dirs.push(dir);
  // the cert target is a non-empty directory: staging succeeds, its rename fails
  mkdirSync(join(dir, 'staker.crt'));
  writeFileSync(join(dir, 'staker.crt', 'x'), '');
  const files = [
    { label: 'TLS key', path: join(dir, 'sub', 'staker.key'), data: 'k', mode: 0o600, same: () => false },
    { label: 'TLS certificate', path: join(dir, 'staker.crt'), data: 'c', mode: 0o644, same: () => false },
  ];
  await assert.rejects(commitIdentityFiles(files), (e: unknown) => (e as LuxopsError).code === 'E_WRITE_FAILED' && /cannot write TLS certificate .*staker\.crt: E/.test((e as Error).message));
  assert.ok(!listAll(dir).some((f) => f.includes('.tmp-')), listAll(dir).join(','));

  const d2 = tempDir('kd-files-');
  dirs.push(d2);
  writeFileSync(join(d2, 'a'), 'same');
  writeFileSync(join(d2, 'b'), 'different');
  writeFileSync(join(d2, 'c'), 'stale');
  const plan = await planIdentityWrite([
    { label: 'A', path: join(d2, 'a'), data: 'same', mode: 0o600, same: (b) => b.toString() === 'same' },
    { label: 'B', path: join(d2, 'b'), data: 'new', mode: 0o600, same: () => { throw new Error('unparsable'); } },
    { label: 'C', path: join(d2, 'c'), data: 'fresh', mode: 0o644, derived: true, same: (b) => b.toString() === 'fresh' },
    { label: 'D', path: join(d2, 'd'), data: 'missing', mode: 0o644, same: () => true },
  ]);
  assert.deepEqual(plan.unchanged.map((f) => f.label), ['A']);
  assert.deepEqual(plan.conflicts.map((f) => f.label), ['B']);
  assert.deepEqual(plan.write.map((f) => f.label), ['B', 'C', 'D']);
  await assert.rejects(applyWritePlan(plan, { overwrite: false, log: silentLogger(), identity: 'X' }), /existing B .*b holds a different key than X; refusing to replace without --overwrite/);
  assert.equal(readFileSync(join(d2, 'b'), 'utf8'), 'different');
  assert.deepEqual(await applyWritePlan(plan, { overwrite: true, log: silentLogger(), identity: 'X' }), [join(d2, 'b'), join(d2, 'c'), join(d2, 'd')]);
  assert.equal(readFileSync(join(d2, 'b'), 'utf8'), 'new');
  assert.deepEqual(listAll(d2), ['a', 'b', 'c', 'd']);

  // an unreadable existing file is its own error, not "different"
  if (process.getuid?.() !== 0) {
    chmodSync(join(d2, 'a'), 0o000);
    await assert.rejects(planIdentityWrite([{ label: 'A', path: join(d2, 'a'), data: '', mode: 0o600, same: () => true }]), /cannot read existing A .*: EACCES/);
  }
});
