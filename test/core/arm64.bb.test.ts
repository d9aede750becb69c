// Black-box tests of dist/luxops-linux-arm64 (built by `npm run build`, not by test/run.mjs). The ELF
// checks run wherever it was built; the rest runs it under qemu-user (Debian `qemu-user` +
// `libc6-arm64-cross` + `libstdc++6-arm64-cross`; .ci/run installs them) and is skipped without it.
// Under qemu this is an emulated Cortex CPU, not Graviton/Ampere silicon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runBin, jsonLines } from '../helpers/run-bin.js';
import { NODE_VERSION } from '../../scripts/node24.mjs';
import { buildChain, splitBytes } from '../rlp-import/rlp-fixture.js';
import { startFaultServer, startFakeLuxd, tempDir } from '../rlp-import/helpers.js';
import type { FaultServer } from '../rlp-import/helpers.js';

const ARM64 = join(ROOT, 'dist/luxops-linux-arm64');
const SYSROOT = '/usr/aarch64-linux-gnu';
const qemu = (process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, 'qemu-aarch64')).find((f) => existsSync(f));
const built = existsSync(ARM64) ? false : 'dist/luxops-linux-arm64 not built (npm run build builds it)';
const runnable = built || (qemu ? false : 'qemu-aarch64 not installed');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function run(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) {
  const pre = existsSync(SYSROOT) ? ['-L', SYSROOT] : [];
  return runBin(qemu!, [...pre, ARM64, ...args], { env: { PATH: '/nonexistent', ...env }, timeoutMs });
}

test('arm64: an AArch64 ELF executable, listed in SHA256SUMS', { skip: built }, () => {
  const head = Buffer.alloc(20);
  const fd = openSync(ARM64, 'r');
  readSync(fd, head, 0, 20, 0);
  closeSync(fd);
  assert.deepEqual([...head.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(head[4], 2, 'ELFCLASS64');
  assert.equal(head.readUInt16LE(18), 183, 'e_machine EM_AARCH64');
  assert.equal(statSync(ARM64).mode & 0o777, 0o755);
  assert.match(readFileSync(join(ROOT, 'dist/SHA256SUMS'), 'utf8'), /^[0-9a-f]{64} {2}luxops-linux-arm64$/m);
});

test('arm64 under qemu: --version, Node 24 inside, a bug ends as one JSON line', { skip: runnable }, async () => {
  const v = await run(['--version']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout, `${version}\n`);
  const c = await run(['__crash']);
  assert.equal(c.code, 70);
  assert.equal(JSON.parse(c.stderr).node, `v${NODE_VERSION}`);
});

let srv: FaultServer;
const CHAIN = buildChain(1, 3_000);
before(async () => {
  if (runnable) return;
  const files: Record<string, Uint8Array> = {};
  for (const { part, data } of splitBytes(CHAIN, 128 * 1024)) files[`lux.rlp.${part}`] = data;
  srv = await startFaultServer({ files });
});
after(() => srv?.close());

test('arm64 under qemu: rlp-import downloads, validates and imports into (fake) luxd', { skip: runnable }, async (t) => {
  const luxd = await startFakeLuxd({ importRate: 0 });
  t.after(() => luxd.close());
  const { dir, cleanup } = tempDir('arm64-rlp');
  t.after(cleanup);
  const r = await run(['rlp-import', '--base-url', srv.url, '--file', 'lux.rlp', '--parts', 'auto', '--dest-dir', dir, '--api-url', luxd.url, '--poll-interval', '100ms'], { LUXOPS_DEBUG_CHUNKS: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(luxd.state.height, 3_000);
  const marker = JSON.parse(readFileSync(join(dir, '.rlp-import.done'), 'utf8')) as { lastBlock: number; bytes: number };
  assert.equal(marker.lastBlock, 3_000);
  assert.equal(marker.bytes, CHAIN.length);
  // the chunk code caches were made by this same arm64 Node (under qemu at build time), or there are
  // none (built without qemu); a cache from another Node would be rejected
  const chunks = (jsonLines(r.stderr).at(-1) as { chunks: Record<string, string> }).chunks;
  assert.ok(chunks['luxops:rlp-import/command.cjs'], r.stderr);
  for (const [name, how] of Object.entries(chunks)) assert.notEqual(how, 'code-cache-rejected', name);
});
