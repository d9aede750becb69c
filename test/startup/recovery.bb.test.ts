// End to end with the built single executable: `luxops startup` supervising the fake luxd (its own
// process), which keeps its C-chain in the data dir and turns corrupt when restarted on data an
// earlier run imported into. Reimport: detected, stopped, cleared, re-imported, ready at the export's
// height; the next restart corrupts again and hits the bound (1 per window here): degraded, luxd
// keeps running. Restore: from a snapshot made by `luxops snapshot-create` into s3rver.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, jsonLines, runBin } from '../helpers/run-bin.js';
import { buildChain } from '../rlp-import/rlp-fixture.js';
import { startFaultServer, startS3, S3_ENV } from '../rlp-import/helpers.js';
import { FAKE_LUXD, freePort, getStatus, readRecord, tempDir, waitFor, alive } from './helpers.js';

const C_ID = '2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM';
const BLOCKS = 400;
const skip = existsSync(BINARIES.sea) ? false : 'dist/luxops not built';

interface Proc {
  pid: number;
  err(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: Record<string, string | undefined> = {}): Proc {
  const child = spawn(BINARIES.sea, ['startup', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH, ...env } });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { pid: child.pid!, err: () => err, done };
}

/** One supervisor run on `data`: fresh ports, the fake as luxd, the record file. */
async function node(data: string, extra: string[], env: Record<string, string | undefined> = {}) {
  const api = await freePort();
  const status = await freePort();
  // hooks run in the order they were added: this one must come before tempDir()'s removal
  let record = '';
  after(() => {
    const rec = readRecord(record);
    if (rec?.pid && alive(rec.pid)) process.kill(-rec.pid, 'SIGKILL');
  });
  record = join(tempDir(), 'record.json');
  const p = start([
    '--api-url', `http://127.0.0.1:${api}`, '--health-interval', '50ms', '--running-interval', '100ms', '--status-listen', `127.0.0.1:${status}`,
    '--data-dir', data, '--network-id', '1', '--cchain-id', C_ID, '--cchain-probe-interval', '200ms', '--grace-period', '3s',
    ...extra,
    '--', process.execPath, FAKE_LUXD, `--http-port=${api}`, `--fake-record=${record}`, `--data-dir=${data}`, '--fake-persist-chain', '--fake-corrupt=after-restart', '--fake-import-rate=0',
  ], env);
  const st = async (path: string) => getStatus(status, path).catch(() => ({ status: 0, body: undefined as any, text: '' }));
  return { p, record, st };
}

async function stop(n: { p: Proc }) {
  process.kill(n.p.pid, 'SIGTERM');
  assert.deepEqual(await n.p.done, { code: 0, signal: null }, n.p.err().slice(-2000));
}

test('single executable: reimport recovery, then the bound', { skip, timeout: 180_000 }, async () => {
  const srv = await startFaultServer({ files: { 'chain.rlp': buildChain(0, BLOCKS + 1) } });
  after(() => srv.close());
  const data = join(tempDir(), 'data');
  const rlp = ['--cchain-recovery', 'reimport', '--rlp-base-url', srv.url, '--rlp-file', 'chain.rlp', '--rlp-dest-dir', join(data, 'import'), '--rlp-poll-interval', '50ms'];

  const n1 = await node(data, rlp);
  await waitFor(async () => (await n1.st('/readyz')).status === 200, 'first run ready', 60_000);
  await stop(n1);

  const n2 = await node(data, rlp);
  await waitFor(async () => (await n2.st('/readyz')).status === 200 && (await n2.st('/status')).body.cchain.lastRecovery, 'recovered', 90_000);
  const s = (await n2.st('/status')).body;
  assert.equal(s.phase, 'running');
  assert.equal(s.cchain.height, BLOCKS);
  assert.equal(s.cchain.lastRecovery.outcome, 'recovered');
  const lines = jsonLines(n2.p.err());
  const corrupt = lines.filter((l) => l.code === 'E_CCHAIN_CORRUPT');
  assert.equal(corrupt.length, 1);
  assert.equal(corrupt[0]!.level, 'error');
  const steps = lines.filter((l) => typeof l.step === 'string').map((l) => String(l.step));
  assert.deepEqual([...new Set(steps)], ['luxd-stopped', 'clearing-chain-data', 'starting-luxd', 'waiting-health', 'importing', 'verifying-state']);
  assert.ok(lines.every((l) => l.component === 'startup'));
  const fake = readRecord(n2.record)!;
  assert.equal((fake as unknown as { height: number }).height, BLOCKS);
  await stop(n2);

  const n3 = await node(data, [...rlp, '--cchain-recovery-max', '1']);
  const blocked = await waitFor(async () => {
    const b = (await n3.st('/status')).body;
    return b?.phase === 'degraded' && b.cchain.blocked ? b : undefined;
  }, 'bound reached', 60_000);
  assert.equal(blocked.ready, false);
  assert.match(blocked.cchain.blocked, /^1 of 1 automatic recoveries/);
  const pid = readRecord(n3.record)!.pid;
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(alive(pid));
  assert.equal(readRecord(n3.record)!.pid, pid);
  assert.equal((await n3.st('/livez')).status, 200);
  assert.equal((await n3.st('/readyz')).status, 503);
  await stop(n3);
  const stateFile = JSON.parse(readFileSync(join(data, '.luxops-cchain-recovery.json'), 'utf8'));
  assert.deepEqual(stateFile.recoveries.map((r: { outcome: string }) => r.outcome), ['recovered']);
});

test('single executable: restore recovery from a snapshot made by snapshot-create into s3rver', { skip, timeout: 180_000 }, async () => {
  const srv = await startFaultServer({ files: { 'chain.rlp': buildChain(0, BLOCKS + 1) } });
  after(() => srv.close());
  const s3 = await startS3('c-snaps');
  after(() => s3.close());
  const root = tempDir();
  // a stopped node at height 150: its data dir is what the snapshot is made of
  const source = join(root, 'source');
  const api = await freePort();
  const src = spawn(process.execPath, [FAKE_LUXD, `--http-port=${api}`, `--data-dir=${source}`, '--fake-persist-chain', '--fake-height=150'], { stdio: 'ignore' });
  await waitFor(() => existsSync(join(source, 'chainData', 'network-1', C_ID, 'fake-chain.json')), 'source chain');
  await waitFor(() => fetch(`http://127.0.0.1:${api}/ext/health`).then((r) => r.ok, () => false), 'source listening');
  src.kill('SIGTERM');
  await new Promise((r) => src.once('exit', r));
  const env = { PATH: process.env.PATH, ...S3_ENV };
  const made = await runBin(BINARIES.sea, ['snapshot-create', '--data-dir', source, '--include', `chainData/network-1/${C_ID}`, '--to', 's3://c-snaps/c.tar.gz', '--s3-endpoint', s3.endpoint], { env, timeoutMs: 60_000 });
  assert.equal(made.code, 0, made.stderr);
  const sha256 = String(jsonLines(made.stderr).find((l) => l.msg === 'snapshot created')!.sha256);

  const data = join(root, 'data');
  const flags = ['--cchain-recovery', 'restore', '--snapshot-url', 's3://c-snaps/c.tar.gz', '--snapshot-s3-endpoint', s3.endpoint, '--snapshot-sha256', sha256,
    '--rlp-base-url', srv.url, '--rlp-file', 'chain.rlp', '--rlp-dest-dir', join(data, 'import'), '--rlp-poll-interval', '50ms'];
  const n1 = await node(data, flags, S3_ENV);
  await waitFor(async () => (await n1.st('/readyz')).status === 200, 'first run ready', 60_000);
  await stop(n1);
  const n2 = await node(data, flags, S3_ENV);
  await waitFor(async () => (await n2.st('/readyz')).status === 200 && (await n2.st('/status')).body.cchain.lastRecovery, 'restored', 90_000);
  const s = (await n2.st('/status')).body;
  assert.equal(s.cchain.height, 150);
  assert.equal(s.cchain.lastRecovery.outcome, 'recovered');
  assert.equal(s.import.state, 'skipped');
  const steps = new Set(jsonLines(n2.p.err()).filter((l) => typeof l.step === 'string').map((l) => String(l.step)));
  for (const want of ['restoring-snapshot', 'swapping-chain-data', 'starting-luxd', 'verifying-state']) assert.ok(steps.has(want), want);
  await stop(n2);
});
