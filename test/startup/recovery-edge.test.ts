// The recovery's edges: flags it cannot work without (exit 2 before anything runs), a C-chain that
// failed to be created (never healthy; found through luxd's C health check), --attach and
// --cchain-recovery off (reported, never repaired), a SIGTERM in the middle of a restore (the
// supervisor exits 128+15, the attempt is recorded as failed, no staging dir is left).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startupCommand } from '../../src/startup/command.js';
import { captureDeps } from '../helpers/deps.js';
import { startFaultServer } from '../rlp-import/helpers.js';
import { startSupervisor, getStatus, logsMatching, readRecord, tempDir, waitFor, alive } from './helpers.js';

const C_ID = '2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM';
const plan = ['--data-dir', '/tmp/luxops-nonexistent-data', '--network-id', '1', '--cchain-id', C_ID];

const usage: Array<[string[], RegExp]> = [
  [['--cchain-recovery', 'reimport', '--', '/bin/true'], /--cchain-recovery reimport needs --data-dir/],
  [['--cchain-recovery', 'reimport', ...plan, '--', '/bin/true'], /--cchain-recovery reimport needs the RLP import \(--rlp-base-url, --rlp-file\)/],
  [['--cchain-recovery', 'restore', ...plan, '--', '/bin/true'], /--cchain-recovery restore needs --snapshot-url/],
  [['--cchain-recovery', 'restore', ...plan, '--snapshot-url', 'http://x/snap.zip', '--', '/bin/true'], /invalid value for --snapshot-url: .*expected a \.tar/],
  [['--cchain-recovery', 'restore', ...plan, '--snapshot-url', 'http://x/s.tar.zst', '--snapshot-sha256', 'abc', '--', '/bin/true'], /invalid value for --snapshot-sha256/],
  [['--cchain-recovery', 'reimport', '--attach', ...plan], /cannot be used with --attach/],
  [['--cchain-recovery', 'restore', '--cchain-probe-interval', '0', ...plan, '--snapshot-url', 'http://x/s.tgz', '--', '/bin/true'], /needs the C-chain state probe/],
  [['--cchain-recovery', 'sometimes', '--', '/bin/true'], /invalid value for --cchain-recovery/],
  [['--cchain-recovery', 'reimport', ...plan.slice(0, 4), '--cchain-id', '../x', '--rlp-base-url', 'http://x/', '--rlp-file', 'f', '--', '/bin/true'], /invalid value for --cchain-id/],
];
for (const [argv, msg] of usage) {
  test(`usage error: ${argv.join(' ')}`, async () => {
    const d = captureDeps();
    assert.equal(await startupCommand.main(argv, {}, d), 2);
    assert.match(d.err(), msg);
  });
}

test('--check shows the recovery plan', async () => {
  const d = captureDeps();
  assert.equal(await startupCommand.main(['--check', '--cchain-recovery', 'restore', ...plan, '--snapshot-url', 's3://snaps/c.tar.zst', '--', '/bin/true'], {}, d), 0);
  const shown = JSON.parse(d.out());
  assert.deepEqual(shown.cchainRecovery, { mode: 'restore', max: 2, windowMs: 86_400_000, chainDir: `/tmp/luxops-nonexistent-data/chainData/network-1/${C_ID}`, marker: null });
  assert.equal(shown.config.snapshotUrl, 's3://snaps/c.tar.zst');
});

test('a C-chain that failed to be created: found through the C health check; with recovery off it is reported, luxd keeps running', { timeout: 60_000 }, async () => {
  const run = await startSupervisor(['--status-listen', '127.0.0.1:0', '--cchain-probe-interval', '100ms', '--health-timeout', '60s'], ['--fake-corrupt=always', '--fake-corrupt-as=chain-start', '--fake-corrupt-error=historical-state']);
  const sp = await run.statusPort();
  const s = await waitFor(async () => {
    const b = (await getStatus(sp, '/status')).body;
    return b.phase === 'degraded' && b.cchain.blocked ? b : undefined;
  }, 'degraded', 20_000);
  assert.match(s.cchain.reason, /failed to create chain on subnet .*: error while creating vm: required historical state unavailable \(reexec=8192\)/);
  assert.match(s.cchain.blocked, /--cchain-recovery is off; luxd keeps running, not ready; recover by hand/);
  assert.equal((await getStatus(sp, '/readyz')).body.reason.startsWith('C-chain state is corrupt since '), true);
  assert.equal(logsMatching(run.deps, 'C-chain state is corrupt').length, 1, 'one error line, not one per probe');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(logsMatching(run.deps, 'C-chain state is corrupt').length, 1);
  assert.equal(logsMatching(run.deps, 'no automatic C-chain recovery').length, 1);
  assert.ok(alive(readRecord(run.record)!.pid));
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});

test('--attach: a corrupt state is detected and reported, and said why nothing is done', { timeout: 60_000 }, async () => {
  const flag = join(tempDir(), 'corrupt-now');
  const luxd = await startSupervisor(['--cchain-probe-interval', '0'], [`--fake-corrupt-file=${flag}`]);
  const port = await waitFor(() => readRecord(luxd.record)?.port, 'luxd listening');
  const d = captureDeps();
  const side = startupCommand.main(['--attach', '--api-url', `http://127.0.0.1:${port}`, '--health-interval', '50ms', '--running-interval', '100ms', '--cchain-probe-interval', '100ms', '--status-listen', '127.0.0.1:0'], { PATH: process.env.PATH }, d);
  const sp = await waitFor(() => d.logs().find((l) => typeof l.statusPort === 'number')?.statusPort as number | undefined, 'status');
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'sidecar ready');
  const { writeFileSync, rmSync } = await import('node:fs');
  writeFileSync(flag, '');
  const s = await waitFor(async () => {
    const b = (await getStatus(sp, '/status')).body;
    return b.phase === 'degraded' && b.cchain.blocked ? b : undefined;
  }, 'degraded');
  assert.match(s.cchain.reason, /^missing trie node /);
  assert.equal((await getStatus(sp, '/readyz')).status, 503);
  assert.match((await getStatus(sp, '/metrics')).text, /^luxops_startup_cchain_corrupt 1$/m);
  // the state reads work again: ready again, no restart anywhere
  rmSync(flag);
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready again');
  assert.equal(logsMatching(d, 'C-chain state reads work again').length, 1);
  d.raise('SIGTERM');
  assert.equal(await side, 0);
  luxd.deps.raise('SIGTERM');
  assert.equal(await luxd.done, 0);
});

test('SIGTERM while the snapshot is restored: exit 143, the attempt recorded as failed, no staging dir left', { timeout: 60_000 }, async () => {
  const { gzipSync } = await import('node:zlib');
  const { randomBytes } = await import('node:crypto');
  const tar = (await import('tar-stream')).default;
  const p = tar.pack();
  p.entry({ name: `chainData/network-1/${C_ID}/big.bin` }, randomBytes(4 << 20));
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  const srv = await startFaultServer({ files: { 'snap.tar.gz': gzipSync(Buffer.concat(chunks), { level: 0 }) }, faults: { throttleBps: 256 * 1024 } });
  after(() => srv.close());
  const data = join(tempDir(), 'data');
  const flag = join(tempDir(), 'corrupt-now');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(flag, '');
  const run = await startSupervisor([
    '--status-listen', '127.0.0.1:0', '--cchain-probe-interval', '100ms', '--data-dir', data, '--network-id', '1', '--cchain-id', C_ID,
    '--cchain-recovery', 'restore', '--snapshot-url', `${srv.url}/snap.tar.gz`,
  ], [`--data-dir=${data}`, '--fake-persist-chain', `--fake-corrupt-file=${flag}`]);
  const sp = await run.statusPort();
  await waitFor(async () => (await getStatus(sp, '/status')).body.cchain?.recovery?.step === 'restoring-snapshot', 'restoring', 20_000);
  await waitFor(() => readdirSync(data).some((n) => n.startsWith('.luxops-cchain-staging-')), 'staging dir');
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 143);
  const rec = JSON.parse(readFileSync(join(data, '.luxops-cchain-recovery.json'), 'utf8')).recoveries;
  assert.equal(rec.length, 1);
  assert.equal(rec[0].outcome, 'failed');
  assert.equal(rec[0].error, 'interrupted by SIGTERM');
  assert.deepEqual(readdirSync(data).filter((n) => n.startsWith('.luxops-cchain-staging-')), []);
  assert.ok(existsSync(join(data, 'chainData', 'network-1', C_ID)), 'the chain dir is cleared only at the swap');
});
