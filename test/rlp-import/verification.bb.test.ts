// An import must be pinned by a checksum: rlp-import and startup's in-process import refuse to
// import (exit 2, nothing contacted, nothing written) unless --sha256, --checksums-url or an
// explicit --allow-unverified is given. --download-only imports nothing and is not refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { BINARIES, runBin } from '../helpers/run-bin.js';
import { tempDir } from './helpers.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };
// port 9 (discard) refuses: a run that got past validation would fail with exit 1, not 2
const SOURCE = ['--base-url', 'http://127.0.0.1:9/exports', '--file', 'lux-mainnet-96369.rlp'];
const HEX = 'ab'.repeat(32);

test('rlp-import without a checksum refuses with exit 2 and names the three flags', async (t) => {
  const { dir, cleanup } = tempDir('rlp-unverified');
  t.after(cleanup);
  const r = await runBin(BINARIES.sea, ['rlp-import', ...SOURCE, '--dest-dir', dir, '--retries', '0'], { env: ENV });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^luxops rlp-import: refusing to import lux-mainnet-96369\.rlp unverified: set --sha256 or --checksums-url, or accept unverified data with --allow-unverified\n/);
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
  // --check applies the same rule, so a manifest without a checksum fails its review
  const check = await runBin(BINARIES.sea, ['rlp-import', ...SOURCE, '--check'], { env: ENV });
  assert.equal(check.code, 2);
});

test('rlp-import: a checksum, the explicit escape hatch or --download-only each pass validation', async () => {
  for (const extra of [['--sha256', HEX], ['--checksums-url', 'https://exports.example/SHA256SUMS'], ['--allow-unverified'], ['--download-only']]) {
    const r = await runBin(BINARIES.sea, ['rlp-import', ...SOURCE, ...extra, '--check'], { env: ENV });
    assert.equal(r.code, 0, `${extra.join(' ')}: ${r.stderr}`);
  }
  // env twins count the same (the manifests set LUXOPS_* keys)
  const env = await runBin(BINARIES.sea, ['rlp-import', ...SOURCE, '--check'], { env: { ...ENV, LUXOPS_CHECKSUMS_URL: 'https://exports.example/SHA256SUMS' } });
  assert.equal(env.code, 0, env.stderr);
});

test('startup --rlp-* refuses an unverified import before luxd is spawned', async () => {
  const args = ['startup', '--rlp-base-url', 'http://127.0.0.1:9/exports', '--rlp-file', 'lux.rlp', '--', '/bin/true'];
  const r = await runBin(BINARIES.sea, args, { env: ENV });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /refusing to import lux\.rlp unverified: set --rlp-sha256 or --rlp-checksums-url, or accept unverified data with --rlp-allow-unverified/);
  const ok = await runBin(BINARIES.sea, args.slice(0, -2).concat(['--check', '--', '/bin/true']), { env: { ...ENV, LUXOPS_RLP_SHA256: HEX } });
  assert.equal(ok.code, 0, ok.stderr);
});
