// Black-box: dist/luxops.cjs and the dist/luxops single executable run signer-downloader against
// s3rver + fake-kms with a fixture sealed by the zstd CLI and a byte-built envelope; and key-uploader
// of a BLS key round-trips through signer-downloader.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runBin, jsonLines, BIN_VARIANTS } from '../helpers/run-bin.js';
import { BLS_SK as SK, BLS_PK as PK, AWS_ENV, awsArgs, listAll, sealedFixture, startKms, startS3, tempDir } from '../key-downloader/fixtures.js';
import type { FakeKms, S3Fixture } from '../key-downloader/fixtures.js';

let s3: S3Fixture;
let kms: FakeKms;
const dirs: string[] = [];
const ENV = { ...AWS_ENV, PATH: process.env.PATH ?? '/usr/bin:/bin' };
const RUNS = BIN_VARIANTS;

before(async () => {
  s3 = await startS3();
  kms = await startKms();
  await s3.put('signer/3.key.zstd.encrypted', await sealedFixture(kms.url, SK));
  await s3.put('signer/zero.key', await sealedFixture(kms.url, Buffer.alloc(32)));
});
after(async () => {
  await s3?.close();
  await kms?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

for (const [i, bin] of RUNS.entries()) {
  test(`${bin.name}: signer-downloader writes the key and the public key document (known answer)`, async () => {
    const out = tempDir('sd-bb-');
    dirs.push(out);
    const r = await runBin(bin.file, [...bin.pre, 'signer-downloader', ...awsArgs(s3, kms, {
      's3-key': 'signer/{ordinal}.key.zstd.encrypted',
      'key-path': join(out, 'signer.key'),
      'public-key-path': join(out, 'signer.json'),
      'expect-public-key': PK,
    })], { env: ENV });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(join(out, 'signer.key')), SK);
    assert.equal(statSync(join(out, 'signer.key')).mode & 0o777, 0o600);
    const doc = JSON.parse(readFileSync(join(out, 'signer.json'), 'utf8')) as { publicKey: string; proofOfPossession: string };
    assert.equal(doc.publicKey, PK);
    assert.equal(JSON.parse(r.stdout).proofOfPossession, doc.proofOfPossession);
    assert.equal(jsonLines(r.stderr).find((l) => l.msg === 'verified BLS signer key')?.publicKey, PK);
  });

  test(`${bin.name}: zero scalar exits 1 with E_BLS_KEY_INVALID and writes nothing`, async () => {
    const out = tempDir('sd-bb-');
    dirs.push(out);
    const r = await runBin(bin.file, [...bin.pre, 'signer-downloader', ...awsArgs(s3, kms, { 's3-key': 'signer/zero.key', 'key-path': join(out, 'signer.key') })], { env: ENV });
    assert.equal(r.code, 1, r.stderr);
    const errors = jsonLines(r.stderr).filter((l) => l.level === 'error');
    assert.deepEqual(errors.map((e) => [e.code, e.msg]), [['E_BLS_KEY_INVALID', 'invalid BLS signer key in s3://b/signer/zero.key: the scalar is zero']]);
    assert.deepEqual(listAll(out), []);
  });

  test(`${bin.name}: key-uploader of a BLS key round-trips through signer-downloader`, async () => {
    const d = tempDir('sd-bb-up-');
    dirs.push(d);
    writeFileSync(join(d, 'signer.key'), SK, { mode: 0o600 });
    const up = await runBin(bin.file, [...bin.pre, 'key-uploader', ...awsArgs(s3, kms, { 'signer-key-path': join(d, 'signer.key'), 's3-key-signer': `up${i}/signer.key.zstd.encrypted` })], { env: ENV });
    assert.equal(up.code, 0, up.stderr);
    assert.equal(JSON.parse(up.stdout).publicKey, PK);
    const down = await runBin(bin.file, [...bin.pre, 'signer-downloader', ...awsArgs(s3, kms, { 's3-key': `up${i}/signer.key.zstd.encrypted`, 'key-path': join(d, 'out', 'signer.key') })], { env: ENV });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(readFileSync(join(d, 'out', 'signer.key')), SK);
  });
}
