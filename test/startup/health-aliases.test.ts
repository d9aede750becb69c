// Health wait and aliases against the real fake luxd process: 503 -> 200 then aliasChain in order,
// duplicates, permanent errors with the admin hint, timeouts, --strict, luxd dying during the wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain JS fixture without types
import { CHAIN_IDS } from '../fixtures/fake-luxd.mjs';
import { startSupervisor, readRecord, waitFor, getStatus, logsMatching, tempDir } from './helpers.js';

const C_ID: string = CHAIN_IDS.C;

test('health 503 -> 200, then aliases in order, then ready', async () => {
  const run = await startSupervisor(
    ['--alias', 'zoo=C', '--alias', `lux=${C_ID}`, '--alias', 'x2=X', '--status-listen', '127.0.0.1:0'],
    ['--fake-healthy-after-ms=600'],
  );
  const sp = await run.statusPort();
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready');
  const rec = readRecord(run.record)!;
  const aliasCalls = rec.calls.filter((c) => c.method === 'admin.aliasChain');
  assert.deepEqual(aliasCalls.map((c) => c.params), [
    { chain: 'C', alias: 'zoo' },
    { chain: C_ID, alias: 'lux' },
    { chain: 'X', alias: 'x2' },
  ]);
  assert.equal(rec.aliases.zoo, C_ID);
  // the aliases came only after luxd turned healthy, on the fake's own clock (a poll count would
  // depend on how fast a loaded machine starts the supervisor's first poll)
  assert.ok(run.deps.logs().some((l) => l.msg === 'luxd is healthy'));
  const startedAt = Date.parse((rec as unknown as { startedAt: string }).startedAt);
  assert.ok(Date.parse(aliasCalls[0]!.at) >= startedAt + 600, `first alias at ${aliasCalls[0]!.at}, luxd started ${startedAt}`);
  const st = (await getStatus(sp, '/status')).body;
  assert.equal(st.phase, 'running');
  assert.equal(st.apiPrefix, '/ext');
  assert.deepEqual(st.aliases.map((a: { state: string }) => a.state), ['done', 'done', 'done']);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});

test('an alias that already exists (luxd\'s exact error) counts as done', async () => {
  const dir = tempDir();
  const file = join(dir, 'aliases.json');
  writeFileSync(file, JSON.stringify({ [C_ID]: ['zoo'] }));
  const run = await startSupervisor(['--alias', 'zoo=C', '--status-listen', '127.0.0.1:0'], [`--chain-aliases-file=${file}`]);
  const sp = await run.statusPort();
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready');
  assert.equal(logsMatching(run.deps, 'alias zoo already mapped').length, 1);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});

test('admin API disabled: alias fails with luxd\'s answer and the --api-admin-enabled hint; not ready; luxd keeps running', async () => {
  const run = await startSupervisor(['--alias', 'zoo=C', '--status-listen', '127.0.0.1:0'], ['--fake-admin-disabled']);
  const sp = await run.statusPort();
  const st = await waitFor(async () => {
    const s = (await getStatus(sp, '/status')).body;
    return s?.aliases?.[0]?.state === 'failed' ? s : undefined;
  }, 'alias failed');
  assert.match(st.aliases[0].error, /404 Not Found: the admin API is not enabled on luxd; start luxd with --api-admin-enabled=true/);
  const r = await getStatus(sp, '/readyz');
  assert.equal(r.status, 503);
  assert.equal(r.body.ready, false);
  assert.match(r.body.reason, /alias zoo failed/);
  assert.match((await getStatus(sp, '/metrics')).text, /^luxops_startup_alias_failures_total 1$/m);
  // 404 is permanent: no retries, and luxd was left alone
  assert.equal(logsMatching(run.deps, 'retrying').length, 0);
  assert.equal(readRecord(run.record)!.signals.length, 0);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});

test('unknown chain is reported with luxd\'s message; --strict stops luxd and exits 1', async () => {
  const run = await startSupervisor(['--alias', 'zoo=nochain', '--strict', '--grace-period', '5s'], []);
  assert.equal(await run.done, 1);
  const err = logsMatching(run.deps, 'alias zoo -> nochain failed')[0];
  assert.match(String(err?.msg), /luxd said: there is no chain with alias\/ID 'nochain'/);
  assert.deepEqual(readRecord(run.record)!.signals.map((s) => s.signal), ['SIGTERM']);
});

test('health timeout: error names the failing checks, luxd keeps running, not ready', async () => {
  // 3 s: long enough for the fake to be listening (and answering 503 with checks) on a loaded machine
  const run = await startSupervisor(['--health-timeout', '3s', '--alias', 'zoo=C', '--status-listen', '127.0.0.1:0'], ['--fake-healthy-after-ms=600000']);
  const sp = await run.statusPort();
  const line = await waitFor(() => logsMatching(run.deps, 'luxd not healthy after')[0], 'timeout error');
  assert.equal(line.code, 'E_HEALTH_TIMEOUT');
  assert.ok(Array.isArray(line.failing) && (line.failing as string[]).length > 0);
  assert.match(String(line.msg), /failing checks: /);
  const r = await getStatus(sp, '/readyz');
  assert.equal(r.status, 503);
  assert.match(r.body.reason, /luxd is not healthy \(failing checks: /);
  const st = (await getStatus(sp, '/status')).body;
  assert.equal(st.phase, 'waiting-health');
  assert.equal(st.aliases[0].state, 'pending');
  // still supervising: no signal was sent, polling continues
  const polls = Number(/^luxops_startup_health_polls_total (\d+)$/m.exec((await getStatus(sp, '/metrics')).text)![1]);
  await waitFor(async () => Number(/^luxops_startup_health_polls_total (\d+)$/m.exec((await getStatus(sp, '/metrics')).text)![1]) > polls, 'more polls');
  assert.equal(readRecord(run.record)!.signals.length, 0);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});

test('health timeout under --strict stops luxd and exits 1', async () => {
  const run = await startSupervisor(['--health-timeout', '200ms', '--strict'], ['--fake-healthy-after-ms=600000']);
  assert.equal(await run.done, 1);
  // SIGTERM may land before the fake installed its handler (it then dies of it) or after (it exits 0)
  const stopped = logsMatching(run.deps, 'luxd stopped after a --strict failure');
  assert.equal(stopped.length, 1);
  assert.ok(stopped[0]!.signal === 'SIGTERM' || stopped[0]!.code === 0, JSON.stringify(stopped[0]));
  const rec = readRecord(run.record);
  if (rec?.exit) assert.deepEqual(rec.signals.map((s) => s.signal), ['SIGTERM']);
});

test('luxd dying during the health wait ends the wait at once with its code', async () => {
  // a 30 s poll interval: if the wait did not end on the child's exit, this would take 30 s
  const started = Date.now();
  const run = await startSupervisor(['--health-interval', '30s', '--health-timeout', '120s'], ['--fake-healthy-after-ms=600000', '--fake-exit-after-ms=300', '--fake-exit-code=3']);
  assert.equal(await run.done, 3);
  assert.ok(Date.now() - started < 25_000, 'the wait did not sleep through the poll interval');
  assert.equal(logsMatching(run.deps, 'luxd is healthy').length, 0);
});

test('a late turn to healthy after a timeout still runs the aliases', async () => {
  const run = await startSupervisor(['--health-timeout', '100ms', '--alias', 'zoo=C', '--status-listen', '127.0.0.1:0'], ['--fake-healthy-after-ms=700']);
  const sp = await run.statusPort();
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready after late health');
  assert.equal(logsMatching(run.deps, 'luxd not healthy after').length, 1);
  assert.equal(readRecord(run.record)!.aliases.zoo, C_ID);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});

test('auto prefix finds /v1 on a newer luxd', async () => {
  const run = await startSupervisor(['--alias', 'zoo=C', '--status-listen', '127.0.0.1:0'], ['--fake-api-prefix=/v1']);
  const sp = await run.statusPort();
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready');
  assert.equal((await getStatus(sp, '/status')).body.apiPrefix, '/v1');
  assert.equal(readRecord(run.record)!.calls.find((c) => c.method === 'admin.aliasChain')?.path, '/v1/admin');
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});
