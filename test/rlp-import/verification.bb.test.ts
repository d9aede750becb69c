// An unpinned import still runs (exit codes as before) but says so: rlp-import and startup's
// in-process import log one W_UNVERIFIED_SOURCE warning naming the flags, unless --sha256,
// --checksums-url or --allow-unverified is given; --download-only imports nothing and does not warn.
// The overlays in deploy/ always pin (test/deploy/manifests.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BINARIES, runBin } from '../helpers/run-bin.js';
import { tempDir } from './helpers.js';
import { unverifiedWarning } from '../../src/rlp-import/options.js';
import type { RlpImportConfig } from '../../src/rlp-import/options.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };
// port 9 (discard) refuses: every run below fails with exit 1 after its start-up checks
const SOURCE = ['--base-url', 'http://127.0.0.1:9/exports', '--file', 'lux-mainnet-96369.rlp', '--retries', '0', '--api-url', 'http://127.0.0.1:9', '--no-wait-healthy'];
const HEX = 'ab'.repeat(32);
const WARNING = /"code":"W_UNVERIFIED_SOURCE".*importing lux-mainnet-96369\.rlp unverified.*--sha256 or --checksums-url.*--allow-unverified/;

test('rlp-import without a checksum warns once (one JSON line naming the flags) and still runs', async (t) => {
  const { dir, cleanup } = tempDir('rlp-unverified');
  t.after(cleanup);
  const r = await runBin(BINARIES.sea, ['rlp-import', ...SOURCE, '--dest-dir', dir], { env: ENV });
  assert.equal(r.code, 1, r.stderr); // got past validation: the refused connection is what failed
  const lines = r.stderr.trim().split('\n').filter((l) => l.includes('W_UNVERIFIED_SOURCE'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, WARNING);
  assert.doesNotThrow(() => JSON.parse(lines[0]!));
});

test('rlp-import: a checksum, --allow-unverified or --download-only each run without the warning', async (t) => {
  const { dir, cleanup } = tempDir('rlp-verified');
  t.after(cleanup);
  for (const extra of [['--sha256', HEX], ['--checksums-url', 'http://127.0.0.1:9/SHA256SUMS'], ['--allow-unverified'], ['--download-only']]) {
    const r = await runBin(BINARIES.sea, ['rlp-import', ...SOURCE, ...extra, '--dest-dir', dir], { env: ENV });
    assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /W_UNVERIFIED_SOURCE/, extra.join(' '));
  }
  // env twins count the same (the manifests set LUXOPS_* keys)
  const env = await runBin(BINARIES.sea, ['rlp-import', ...SOURCE, '--dest-dir', dir], { env: { ...ENV, LUXOPS_CHECKSUMS_URL: 'http://127.0.0.1:9/SHA256SUMS' } });
  assert.equal(env.code, 1, env.stderr);
  assert.doesNotMatch(env.stderr, /W_UNVERIFIED_SOURCE/);
});

test('unverifiedWarning spells the flags as the command does (startup: --rlp-*)', () => {
  const base = { file: 'lux.rlp', downloadOnly: false, allowUnverified: false, sha256: undefined, checksumsUrl: undefined } as unknown as RlpImportConfig;
  assert.match(unverifiedWarning(base, 'rlp-')!, /set --rlp-sha256 or --rlp-checksums-url to pin it, or --rlp-allow-unverified/);
  assert.equal(unverifiedWarning({ ...base, sha256: HEX }), undefined);
  assert.equal(unverifiedWarning({ ...base, checksumsUrl: 'https://x/SUMS' }), undefined);
  assert.equal(unverifiedWarning({ ...base, allowUnverified: true }), undefined);
  assert.equal(unverifiedWarning({ ...base, downloadOnly: true }), undefined);
});
