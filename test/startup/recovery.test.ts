// C-chain corruption after a restart, end to end in-process: startup supervises the real fake-luxd
// process, which keeps its chain in the data dir and turns corrupt when restarted on data an earlier
// run imported into (luxd v1.23's pathdb incident). Detected (one error line, /status degraded,
// metrics), recovered (luxd stopped, chain data and marker cleared, luxd started with the same argv,
// re-imported, state reads work, ready at the export's height), and bounded by the state file in
// the data dir across supervisor restarts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildChain } from '../rlp-import/rlp-fixture.js';
import { startFaultServer } from '../rlp-import/helpers.js';
import { alive, getStatus, logsMatching, readRecord, startSupervisor, tempDir, waitFor } from './helpers.js';

const C_ID = '2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM';
const BLOCKS = 300;

async function exportServer() {
  const srv = await startFaultServer({ files: { 'chain.rlp': buildChain(0, BLOCKS + 1) } });
  after(() => srv.close());
  return srv;
}

function flags(data: string, base: string, extra: string[] = []): string[] {
  return [
    '--status-listen', '127.0.0.1:0',
    '--data-dir', data, '--network-id', '1', '--cchain-id', C_ID,
    '--cchain-probe-interval', '200ms',
    '--rlp-base-url', base, '--rlp-file', 'chain.rlp', '--rlp-dest-dir', join(data, 'import'), '--rlp-poll-interval', '50ms', '--rlp-retries', '0',
    '--grace-period', '2s',
    ...extra,
  ];
}
const fakeArgs = (data: string) => [`--data-dir=${data}`, '--fake-persist-chain', '--fake-corrupt=after-restart', '--fake-import-rate=0'];

const height = (s: { cchain?: { height?: number } }) => s.cchain?.height;

test('reimport: detected, stopped, cleared, re-imported, ready at the right height; the bound holds across restarts', { timeout: 120_000 }, async () => {
  const srv = await exportServer();
  const data = join(tempDir(), 'data');

  // run 1: a fresh node imports the export and turns ready
  const r1 = await startSupervisor(flags(data, srv.url, ['--cchain-recovery', 'reimport']), fakeArgs(data));
  const sp1 = await r1.statusPort();
  await waitFor(async () => (await getStatus(sp1, '/readyz')).status === 200, 'run 1 ready', 30_000);
  assert.equal(height((await getStatus(sp1, '/status')).body), BLOCKS);
  r1.deps.raise('SIGTERM');
  assert.equal(await r1.done, 0);

  // run 2: luxd restarts on that data and cannot read its state
  const r2 = await startSupervisor(flags(data, srv.url, ['--cchain-recovery', 'reimport']), fakeArgs(data));
  const sp2 = await r2.statusPort();
  const firstPid = (await waitFor(() => readRecord(r2.record)?.pid, 'fake started'));
  const degraded = await waitFor(async () => {
    const s = (await getStatus(sp2, '/status')).body;
    return s.phase === 'recovering' || s.phase === 'degraded' ? s : undefined;
  }, 'detection', 30_000);
  assert.equal(degraded.ready, false);
  const detected = logsMatching(r2.deps, 'C-chain state is corrupt');
  assert.equal(detected.length, 1);
  assert.equal(detected[0]!.level, 'error');
  assert.equal(detected[0]!.code, 'E_CCHAIN_CORRUPT');
  assert.match(String(detected[0]!.reason), /^missing trie node [0-9a-f]{64} \(path \) state 0x[0-9a-f]{64} is not available$/);

  await waitFor(async () => (await getStatus(sp2, '/readyz')).status === 200, 'recovered and ready', 60_000);
  const s2 = (await getStatus(sp2, '/status')).body;
  assert.equal(s2.phase, 'running');
  assert.equal(s2.cchain.state, 'ok');
  assert.equal(s2.cchain.height, BLOCKS);
  assert.equal(s2.cchain.lastRecovery.outcome, 'recovered');
  assert.equal(s2.import.state, 'imported');
  const rec = readRecord(r2.record)!;
  assert.notEqual(rec.pid, firstPid, 'luxd was started again');
  assert.ok(!alive(firstPid), 'the first luxd is gone');
  assert.deepEqual(rec.signals.map((x) => x.signal), []);
  // the first luxd got one SIGTERM (the existing grace logic), the second one the same argv
  const steps = r2.deps.logs().filter((l) => typeof l.step === 'string').map((l) => l.step);
  for (const want of ['clearing-chain-data', 'luxd-stopped', 'starting-luxd', 'waiting-health', 'importing', 'verifying-state']) assert.ok(steps.includes(want), `step ${want} in ${steps.join(',')}`);
  assert.equal(logsMatching(r2.deps, 'cleared C-chain data').length, 1);
  assert.equal(logsMatching(r2.deps, 'removed import marker').length, 1);
  assert.equal(logsMatching(r2.deps, 'C-chain recovered (reimport)').length, 1);
  const metrics = (await getStatus(sp2, '/metrics')).text;
  assert.match(metrics, /^luxops_startup_cchain_corruptions_total 1$/m);
  assert.match(metrics, /^luxops_startup_cchain_recoveries_total\{outcome="recovered"\} 1$/m);
  assert.match(metrics, /^luxops_startup_cchain_corrupt 0$/m);
  const stateFile = JSON.parse(readFileSync(join(data, '.luxops-cchain-recovery.json'), 'utf8'));
  assert.equal(stateFile.recoveries.length, 1);
  assert.equal(stateFile.recoveries[0].outcome, 'recovered');
  r2.deps.raise('SIGTERM');
  assert.equal(await r2.done, 0);

  // run 3: it corrupts again after the next restart; the bound (1 per window) is used up
  const r3 = await startSupervisor(flags(data, srv.url, ['--cchain-recovery', 'reimport', '--cchain-recovery-max', '1']), fakeArgs(data));
  const sp3 = await r3.statusPort();
  const blocked = await waitFor(async () => {
    const s = (await getStatus(sp3, '/status')).body;
    return s.phase === 'degraded' && s.cchain.blocked ? s : undefined;
  }, 'blocked', 30_000);
  assert.match(blocked.cchain.blocked, /1 of 1 automatic recoveries in the last 1d already ran.*luxd keeps running, not ready.*C-chain corrupted after restart/);
  assert.equal((await getStatus(sp3, '/readyz')).status, 503);
  const pid3 = readRecord(r3.record)!.pid;
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(alive(pid3), 'luxd keeps running');
  assert.equal(readRecord(r3.record)!.pid, pid3, 'and is not restarted');
  assert.equal(logsMatching(r3.deps, 'no automatic C-chain recovery').length, 1);
  assert.match((await getStatus(sp3, '/metrics')).text, /^luxops_startup_cchain_recoveries_total\{outcome="refused"\} 1$/m);
  assert.match((await getStatus(sp3, '/metrics')).text, /^luxops_startup_phase\{phase="degraded"\} 1$/m);
  assert.ok(existsSync(join(data, 'chainData', 'network-1', C_ID)), 'nothing was deleted');
  r3.deps.raise('SIGTERM');
  assert.equal(await r3.done, 0);
});

test('restore: a snapshot made by snapshot-create into s3rver replaces the corrupt C-chain; the import is not repeated', { timeout: 120_000 }, async () => {
  const { startS3, S3_ENV, runMain } = await import('../rlp-import/helpers.js');
  const { snapshotCreateCommand } = await import('../../src/snapshot/create-command.js');
  const srv = await exportServer();
  const s3 = await startS3('snaps');
  after(() => s3.close());
  const root = tempDir();

  // the snapshot: a healthy node at height 120 (stopped), its C-chain dir archived
  const source = join(root, 'source');
  const src = await startSupervisor(['--health-interval', '50ms'], [`--data-dir=${source}`, '--fake-persist-chain', '--fake-height=120']);
  await waitFor(() => readRecord(src.record)?.port, 'source luxd listening');
  assert.ok(existsSync(join(source, 'chainData', 'network-1', C_ID, 'fake-chain.json')));
  src.deps.raise('SIGTERM');
  assert.equal(await src.done, 0);
  const made = await runMain(snapshotCreateCommand, ['--data-dir', source, '--include', `chainData/network-1/${C_ID}`, '--to', 's3://snaps/c-chain.tar.gz', '--s3-endpoint', s3.endpoint], S3_ENV);
  assert.equal(made.code, 0, made.deps.err());
  const sha256 = String(made.deps.logs().find((l) => l.msg === 'snapshot created')!.sha256);

  // the victim: imported the export (height 300), restarted, corrupt
  const data = join(root, 'data');
  const restoreFlags = ['--cchain-recovery', 'restore', '--snapshot-url', 's3://snaps/c-chain.tar.gz', '--snapshot-s3-endpoint', s3.endpoint, '--snapshot-sha256', sha256];
  const env = { PATH: process.env.PATH, ...S3_ENV };
  const r1 = await startSupervisor(flags(data, srv.url, restoreFlags), fakeArgs(data), {}, env);
  const sp1 = await r1.statusPort();
  await waitFor(async () => (await getStatus(sp1, '/readyz')).status === 200, 'run 1 ready', 30_000);
  r1.deps.raise('SIGTERM');
  assert.equal(await r1.done, 0);

  const r2 = await startSupervisor(flags(data, srv.url, restoreFlags), fakeArgs(data), {}, env);
  const sp2 = await r2.statusPort();
  await waitFor(async () => (await getStatus(sp2, '/status')).body.phase === 'recovering', 'recovering', 30_000);
  await waitFor(async () => (await getStatus(sp2, '/readyz')).status === 200, 'restored and ready', 60_000);
  const s = (await getStatus(sp2, '/status')).body;
  assert.equal(s.cchain.height, 120, 'the snapshot\'s height');
  assert.equal(s.cchain.lastRecovery.outcome, 'recovered');
  assert.equal(s.import.state, 'skipped', 'the import marker was kept: no second import');
  const steps = r2.deps.logs().filter((l) => typeof l.step === 'string').map((l) => l.step);
  for (const want of ['restoring-snapshot', 'swapping-chain-data', 'starting-luxd', 'verifying-state']) assert.ok(steps.includes(want), `step ${want} in ${steps.join(',')}`);
  assert.ok(r2.deps.logs().some((l) => l.msg === 'snapshot restored' && l.sha256 === sha256));
  // no staging dir left
  const { readdirSync } = await import('node:fs');
  assert.deepEqual(readdirSync(data).filter((n) => n.startsWith('.luxops-cchain-staging-')), []);
  r2.deps.raise('SIGTERM');
  assert.equal(await r2.done, 0);
});
