// key-downloader usage errors, env twins, --check and --help: exit 2 (or 0), one line naming the
// flag, no network and nothing on disk.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { keyDownloaderCommand } from '../../src/key-downloader/command.js';
import { captureDeps } from '../helpers/deps.js';
import { listAll, tempDir } from './fixtures.js';

const dir = tempDir('kd-usage-');
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE: Record<string, string> = {
  's3-region': 'us-west-2',
  's3-bucket': 'keys',
  // unreachable on purpose: usage errors must stop before any request
  's3-endpoint': 'http://127.0.0.1:9',
  'kms-key-id': 'alias/lux',
  'aad-tag': 'lux',
  's3-key-tls-key': 'staking/{ordinal}/staker.key.zstd.encrypted',
  's3-key-tls-cert': 'staking/{hostname}/staker.crt.zstd.encrypted',
  'tls-key-path': join(dir, 'staker.key'),
  'tls-cert-path': join(dir, 'staker.crt'),
};

async function run(over: Record<string, string | undefined>, flags: string[] = [], env: Record<string, string> = { HOSTNAME: 'luxd-7' }) {
  const merged = { ...BASE, ...over };
  const argv = Object.entries(merged).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, v]));
  const deps = captureDeps();
  const code = await keyDownloaderCommand.main([...argv, ...flags], env, deps);
  return { code, out: deps.out(), err: deps.err() };
}

test('usage errors exit 2 with one line naming the flag; nothing on disk', async () => {
  const cases: Array<[Record<string, string | undefined>, RegExp, Record<string, string>?]> = [
    [{ 's3-bucket': undefined }, /^luxops key-downloader: missing required flag --s3-bucket \(or LUXOPS_KEY_DOWNLOADER_S3_BUCKET\)\n/],
    [{ 'kms-key-id': undefined }, /missing required flag --kms-key-id \(or LUXOPS_KEY_DOWNLOADER_KMS_KEY_ID\) unless --plaintext\n/],
    [{ 'aad-tag': undefined }, /missing required flag --aad-tag \(or LUXOPS_KEY_DOWNLOADER_AAD_TAG\) unless --plaintext\n/],
    [{ 'expect-node-id': 'NodeID-abc' }, /invalid value for --expect-node-id: "NodeID-abc", expected NodeID-<cb58>/],
    [{ 'node-id-path': join(dir, 'staker.key') }, /--tls-key-path and --node-id-path name the same file .*staker\.key; they must be different files/],
    [{ 's3-key-tls-key': 'k/{pod}' }, /--s3-key-tls-key: unknown placeholder \{pod\} in "k\/\{pod\}", expected \{ordinal\} or \{hostname\}/],
    [{}, /--s3-key-tls-key uses \{ordinal\} but HOSTNAME "build-box" does not end in a number/, { HOSTNAME: 'build-box' }],
    [{ 's3-endpoint': 'ftp://x' }, /invalid value for --s3-endpoint: "ftp:\/\/x", expected a URL \(http, https\)/],
    [{ retries: '99' }, /invalid value for --retries: "99", expected an integer between 0 and 20/],
  ];
  for (const [over, msg, env] of cases) {
    const r = await run(over, [], env);
    assert.equal(r.code, 2, `${JSON.stringify(over)}: ${r.err}`);
    assert.match(r.err, msg);
    assert.equal(r.err.split('\n').filter(Boolean).length, 2, r.err); // the line + "Try --help"
  }
  assert.deepEqual(listAll(dir), []);
});

test('env twins fill the flags; --check shows resolved S3 keys and touches nothing', async () => {
  const env = {
    HOSTNAME: 'luxd-7',
    LUXOPS_S3_REGION: 'eu-central-1',
    LUXOPS_S3_BUCKET: 'from-env',
    LUXOPS_KMS_KEY_ID: 'k',
    LUXOPS_AAD_TAG: 't',
    LUXOPS_S3_KEY_TLS_KEY: 's/{ordinal}/k',
    LUXOPS_S3_KEY_TLS_CERT: 's/{hostname}/c',
    LUXOPS_TLS_KEY_PATH: join(dir, 'k'),
    LUXOPS_TLS_CERT_PATH: join(dir, 'c'),
    LUXOPS_EXPECT_NODE_ID: 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg',
  };
  const deps = captureDeps();
  const code = await keyDownloaderCommand.main(['--check'], env, deps);
  assert.equal(code, 0, deps.err());
  const shown = JSON.parse(deps.out()) as { s3Keys: { key: string; cert: string }; config: Record<string, unknown> };
  assert.deepEqual(shown.s3Keys, { key: 's/7/k', cert: 's/luxd-7/c' });
  assert.equal(shown.config.s3Bucket, 'from-env');
  assert.equal(shown.config.kmsRegion, undefined);
  assert.deepEqual(listAll(dir), []);
});

test('--help lists the avalanche-ops flags and their env twins', async () => {
  const r = await run({}, ['--help']);
  assert.equal(r.code, 0);
  for (const f of ['--s3-region', '--s3-bucket', '--s3-key-tls-key', '--s3-key-tls-cert', '--kms-region', '--kms-key-id', '--aad-tag', '--tls-key-path', '--tls-cert-path', '--profile-name', '--s3-endpoint', '--kms-endpoint', '--expect-node-id', '--node-id-path', '--overwrite', '--plaintext']) {
    assert.ok(r.out.includes(`  ${f}`), f);
  }
  assert.match(r.out, /env\s+LUXOPS_KEY_DOWNLOADER_S3_KEY_TLS_KEY/);
});
