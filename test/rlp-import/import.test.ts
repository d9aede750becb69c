// rlp-import end to end in-process: fault-server for the parts, fake-luxd (admin_importChain with
// luxfi/evm semantics) for the node. Skips, import, marker, cleanup, lost answers, luxd's errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { rlpImportCommand } from '../../src/rlp-import/command.js';
import { runRlpImport } from '../../src/rlp-import/import-job.js';
import type { RlpImportProgress } from '../../src/rlp-import/import-job.js';
import { silentLogger } from '../../src/core/log.js';
import { parseArgs } from '../../src/core/options.js';
import { rlpImportOptions } from '../../src/rlp-import/options.js';
import { buildChain, splitBytes, sha256hex } from './rlp-fixture.js';
import { startFaultServer, startFakeLuxd, tempDir, runMain, errorLine } from './helpers.js';
import type { FaultServer, FakeLuxd } from './helpers.js';

const CHAIN = buildChain(1, 3000);
const files: Record<string, Uint8Array> = {};
for (const { part, data } of splitBytes(CHAIN, 300_000)) files[`lux.rlp.${part}`] = data;

let srv: FaultServer;
before(async () => {
  srv = await startFaultServer({ files });
});
after(() => srv.close());

async function withNode(opts: Record<string, unknown>, t: { after(fn: () => unknown): void }): Promise<{ luxd: FakeLuxd; dir: string }> {
  const luxd = await startFakeLuxd(opts);
  t.after(() => luxd.close());
  const { dir, cleanup } = tempDir('rlp-imp');
  t.after(cleanup);
  srv.requests.length = 0;
  return { luxd, dir };
}

const base = (luxd: FakeLuxd, dir: string, extra: string[] = []) => [
  '--base-url', srv.url, '--file', 'lux.rlp', '--parts', 'auto', '--dest-dir', dir, '--api-url', luxd.url, '--poll-interval', '50ms', '--health-timeout', '5s', '--allow-unverified', ...extra,
];

test('imports, verifies the height, writes the marker, deletes the file and state', async (t) => {
  const { luxd, dir } = await withNode({ importRate: 20_000 }, t);
  const { code, deps } = await runMain(rlpImportCommand, base(luxd, dir));
  assert.equal(code, 0, deps.err());
  assert.equal(luxd.state.height, 3000);
  assert.equal(luxd.state.imports.length, 1);
  assert.equal(luxd.state.imports[0]!.path, join(dir, 'lux.rlp'));
  const marker = JSON.parse(readFileSync(join(dir, '.rlp-import.done'), 'utf8'));
  assert.deepEqual(
    { file: marker.file, sha256: marker.sha256, bytes: marker.bytes, firstBlock: marker.firstBlock, lastBlock: marker.lastBlock, heightBefore: marker.heightBefore, heightAfter: marker.heightAfter },
    { file: 'lux.rlp', sha256: sha256hex(CHAIN), bytes: CHAIN.length, firstBlock: 1, lastBlock: 3000, heightBefore: 0, heightAfter: 3000 },
  );
  assert.equal(typeof marker.durationMs, 'number');
  assert.deepEqual(readdirSync(dir), ['.rlp-import.done']);
  // progress lines while importing carry height and lastBlock
  assert.ok(deps.logs().some((l) => l.msg === 'importing' && l.lastBlock === 3000 && typeof l.height === 'number'));
});

test('height >= --min-height skips without downloading anything', async (t) => {
  const { luxd, dir } = await withNode({ height: 10 }, t);
  const { code, deps } = await runMain(rlpImportCommand, base(luxd, dir, ['--min-height', '5']));
  assert.equal(code, 0);
  assert.equal(srv.requests.length, 0);
  assert.ok(deps.logs().some((l) => /--min-height/.test(String(l.msg)) && l.height === 10));
  assert.equal(luxd.state.imports.length, 0);
});

test('an existing marker skips everything (no node, no download)', async (t) => {
  const { dir, cleanup } = tempDir('rlp-mark');
  t.after(cleanup);
  writeFileSync(join(dir, 'done.json'), '{}');
  srv.requests.length = 0;
  const { code } = await runMain(rlpImportCommand, ['--base-url', srv.url, '--file', 'lux.rlp', '--dest-dir', dir, '--marker', join(dir, 'done.json'), '--api-url', 'http://127.0.0.1:9', '--allow-unverified']);
  assert.equal(code, 0);
  assert.equal(srv.requests.length, 0);
});

test('--keep-file keeps the file; coreth-style `true` result accepted; --node-path is what luxd gets', async (t) => {
  const { luxd, dir } = await withNode({ importResult: 'true', importRate: 0 }, t);
  // the node sees the volume at the same path here; --node-path only changes the string sent
  const { code, deps } = await runMain(rlpImportCommand, base(luxd, dir, ['--keep-file', '--node-path', join(dir, 'lux.rlp')]));
  assert.equal(code, 0, deps.err());
  assert.ok(existsSync(join(dir, 'lux.rlp')));
  assert.ok(existsSync(join(dir, '.rlp-import.done')));
});

test('admin_importChain missing: the error says to enable admin-api-enabled', async (t) => {
  const { luxd, dir } = await withNode({ importDisabled: true }, t);
  const { code, deps } = await runMain(rlpImportCommand, base(luxd, dir));
  assert.equal(code, 1);
  assert.match(String(errorLine(deps, 'E_IMPORT_UNAVAILABLE')!.msg), /"admin-api-enabled": true/);
  assert.equal(existsSync(join(dir, '.rlp-import.done')), false);
  assert.ok(existsSync(join(dir, 'lux.rlp')), 'the downloaded file stays for the next attempt');
});

test('an answer that outlasts --rpc-timeout: luxops follows the height to the last block', async (t) => {
  const { luxd, dir } = await withNode({ importRate: 3000, importResponseDelayMs: 3000 }, t);
  const { code, deps } = await runMain(rlpImportCommand, base(luxd, dir, ['--rpc-timeout', '200ms']));
  assert.equal(code, 0, deps.err());
  assert.ok(deps.logs().some((l) => l.msg === 'no answer from admin_importChain; following the height'));
  assert.ok(luxd.state.height >= 3000);
  assert.ok(existsSync(join(dir, '.rlp-import.done')));
});

test('--timeout passes while the node is still importing: exit 1, E_IMPORT_TIMEOUT, no marker', async (t) => {
  const { luxd, dir } = await withNode({ importRate: 500 }, t);
  const { code, deps } = await runMain(rlpImportCommand, base(luxd, dir, ['--timeout', '1s']));
  assert.equal(code, 1);
  assert.ok(errorLine(deps, 'E_IMPORT_TIMEOUT'));
  assert.equal(existsSync(join(dir, '.rlp-import.done')), false);
});

test('"no blocks found in file" with height >= last block counts as already imported', async (t) => {
  const { luxd, dir } = await withNode({ height: 3000 }, t);
  const { code, deps } = await runMain(rlpImportCommand, base(luxd, dir, ['--min-height', '0']));
  assert.equal(code, 0, deps.err());
  assert.ok(deps.logs().some((l) => /already imported \(import failed: no blocks found in file\)/.test(String(l.msg))));
  assert.ok(existsSync(join(dir, '.rlp-import.done')));
});

test("luxd's import error (parent block missing) is reported verbatim, exit 1", async (t) => {
  const { luxd, dir } = await withNode({}, t);
  const tail = buildChain(2001, 1000);
  const tailSrv = await startFaultServer({ files: { 'tail.rlp': tail } });
  t.after(() => tailSrv.close());
  const { code, deps } = await runMain(rlpImportCommand, ['--base-url', tailSrv.url, '--file', 'tail.rlp', '--dest-dir', dir, '--api-url', luxd.url, '--poll-interval', '50ms', '--allow-unverified']);
  assert.equal(code, 1);
  assert.match(String(errorLine(deps, 'E_IMPORT_FAILED')!.msg), /import failed: batch 0: parent block missing - firstBlock=2001/);
});

test('runRlpImport in-process reports phases and returns heights', async (t) => {
  const { luxd, dir } = await withNode({ importRate: 0, apiPrefix: '/v1' }, t);
  const config = parseArgs(rlpImportOptions, base(luxd, dir), {}).config;
  const phases: RlpImportProgress[] = [];
  const r = await runRlpImport(config, { log: silentLogger(), signal: new AbortController().signal, onProgress: (p) => phases.push(p) });
  assert.deepEqual(r, { status: 'imported', heightBefore: 0, heightAfter: 3000 });
  const seen = [...new Set(phases.map((p) => p.phase))];
  assert.deepEqual(seen, ['check', 'plan', 'download', 'verify', 'import', 'done']);
  assert.ok(phases.some((p) => p.phase === 'download' && p.totalBytes === CHAIN.length));
  const again = await runRlpImport(config, { log: silentLogger(), signal: new AbortController().signal });
  assert.equal(again.status, 'skipped');
});

test('unhealthy node: E_NOT_HEALTHY after --health-timeout, nothing downloaded', async (t) => {
  const { luxd, dir } = await withNode({ healthyAfterMs: 60_000 }, t);
  const { code, deps } = await runMain(rlpImportCommand, base(luxd, dir, ['--health-timeout', '300ms']));
  assert.equal(code, 1);
  assert.match(String(errorLine(deps, 'E_NOT_HEALTHY')!.msg), /failing checks/);
  assert.equal(srv.requests.length, 0);
});
