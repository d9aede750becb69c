// /livez /readyz /status /metrics through every phase: unit-level on SupervisorState (each phase
// and task state), and live against a supervised fake luxd (waiting-health, running, stopping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SupervisorState } from '../../src/startup/state.js';
import { renderMetrics } from '../../src/startup/metrics.js';
import { startStatusServer } from '../../src/startup/status-server.js';
import { silentLogger } from '../../src/core/log.js';
import { startSupervisor, waitFor, getStatus, readRecord, freePort } from './helpers.js';
import { captureDeps } from '../helpers/deps.js';
import { startupCommand } from '../../src/startup/command.js';

const healthy = { healthy: true, status: 200, failing: [] };
const sick = { healthy: false, status: 503, failing: ['C', 'bootstrapped'] };

test('readiness and /status follow the phases and task states', async () => {
  let t = 1_000_000;
  const state = new SupervisorState([{ alias: 'zoo', chain: 'C' }], true, () => t);
  const srv = await startStatusServer({ host: '127.0.0.1', port: 0 }, state, silentLogger());
  try {
    const ready = async () => getStatus(srv.port, '/readyz');
    // starting
    assert.equal((await getStatus(srv.port, '/livez')).status, 200);
    let r = await ready();
    assert.deepEqual([r.status, r.body], [503, { ready: false, reason: 'luxd health not checked yet' }]);
    assert.equal((await getStatus(srv.port, '/status')).body.phase, 'starting');
    // waiting-health, unhealthy
    state.phase = 'waiting-health';
    state.pid = 77;
    state.recordPoll(sick, '/ext');
    r = await ready();
    assert.equal(r.body.reason, 'luxd is not healthy (failing checks: C, bootstrapped)');
    state.recordPoll({ healthy: false, failing: [], error: 'ECONNREFUSED' }, undefined);
    assert.equal((await ready()).body.reason, 'luxd is not healthy (ECONNREFUSED)');
    // post-start
    state.recordPoll(healthy, '/ext');
    state.phase = 'post-start';
    assert.equal((await ready()).body.reason, 'alias zoo not applied yet');
    state.aliases[0]!.state = 'failed';
    state.aliases[0]!.error = 'luxd said: nope';
    assert.equal((await ready()).body.reason, 'alias zoo failed: luxd said: nope');
    state.aliases[0]!.state = 'done';
    delete state.aliases[0]!.error;
    assert.equal((await ready()).body.reason, 'rlp import pending');
    Object.assign(state.import!, { state: 'running', phase: 'download', bytes: 1234, totalBytes: 5000, height: 9 });
    assert.equal((await ready()).body.reason, 'rlp import running');
    const m = (await getStatus(srv.port, '/metrics')).text;
    assert.match(m, /^luxops_startup_import_bytes 1234$/m);
    assert.match(m, /^luxops_startup_import_total_bytes 5000$/m);
    assert.match(m, /^luxops_startup_phase\{phase="post-start"\} 1$/m);
    state.import!.state = 'failed';
    state.import!.error = 'boom';
    assert.equal((await ready()).body.reason, 'rlp import failed: boom');
    state.import!.state = 'skipped';
    assert.equal((await ready()).body.reason, 'post-start tasks not finished');
    // running
    state.postStartDone = true;
    state.phase = 'running';
    t += 12_345;
    r = await ready();
    assert.deepEqual([r.status, r.body], [200, { ready: true }]);
    const st = (await getStatus(srv.port, '/status')).body;
    assert.deepEqual(
      { phase: st.phase, pid: st.pid, uptimeS: st.uptimeS, apiPrefix: st.apiPrefix, healthy: st.health.healthy, failing: st.health.failing, aliases: st.aliases, imp: st.import.state },
      { phase: 'running', pid: 77, uptimeS: 12.3, apiPrefix: '/ext', healthy: true, failing: [], aliases: [{ alias: 'zoo', chain: 'C', state: 'done' }], imp: 'skipped' },
    );
    assert.match(st.health.checkedAt, /^\d{4}-\d\d-\d\dT/);
    // stopping, exited
    state.phase = 'stopping';
    assert.equal((await ready()).body.reason, 'supervisor is stopping');
    assert.equal((await getStatus(srv.port, '/livez')).status, 200);
    state.phase = 'exited';
    assert.equal((await getStatus(srv.port, '/livez')).status, 503);
    // other routes and methods
    assert.equal((await getStatus(srv.port, '/nope')).status, 404);
    const post = await fetch(`http://127.0.0.1:${srv.port}/readyz`, { method: 'POST' });
    assert.equal(post.status, 405);
    await post.text();
  } finally {
    await srv.close();
  }
});

test('metrics are Prometheus text: HELP/TYPE per family, counters, one phase set', () => {
  const state = new SupervisorState([], false, () => 0);
  state.recordPoll(sick, '/ext');
  state.recordPoll(healthy, '/ext');
  const m = renderMetrics(state);
  assert.match(m, /^# TYPE luxops_startup_health_polls_total counter$/m);
  assert.match(m, /^luxops_startup_health_polls_total 2$/m);
  assert.match(m, /^luxops_startup_health_poll_failures_total 1$/m);
  assert.match(m, /^luxops_startup_luxd_healthy 1$/m);
  assert.equal(m.match(/^luxops_startup_phase\{.*\} 1$/gm)?.length, 1);
  assert.doesNotMatch(m, /luxops_startup_import/);
  // checks seen failing stay listed: 1 while failing, 0 once they pass again (the C-chain alert)
  assert.match(m, /^luxops_startup_luxd_check_failing\{check="C"\} 0$/m);
  assert.match(m, /^luxops_startup_luxd_check_failing\{check="bootstrapped"\} 0$/m);
  state.recordPoll({ healthy: false, status: 503, failing: ['C'] }, '/ext');
  assert.match(renderMetrics(state), /^luxops_startup_luxd_check_failing\{check="C"\} 1$/m);
  // the shared families: build info and the standard process_* set, no custom uptime gauge
  assert.match(m, /^luxops_build_info\{version="[^"]+",command="startup",node="v\d+\.\d+\.\d+"\} 1$/m);
  assert.match(m, /^# TYPE process_start_time_seconds gauge$/m);
  assert.match(m, /^process_resident_memory_bytes \d+$/m);
  assert.doesNotMatch(m, /uptime/);
  for (const line of m.trimEnd().split('\n')) assert.match(line, /^(# (HELP|TYPE) (luxops|process)_\w+ .+|(luxops|process)_\w+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? -?[\d.e+]+)$/);
});

test('import failures are counted (the alert on luxops_startup_import_failures_total)', () => {
  const state = new SupervisorState([], true, () => 0);
  assert.match(renderMetrics(state), /^luxops_startup_import_failures_total 0$/m);
  state.counters.importFailures++;
  assert.match(renderMetrics(state), /^# TYPE luxops_startup_import_failures_total counter$/m);
  assert.match(renderMetrics(state), /^luxops_startup_import_failures_total 1$/m);
});

test('a taken --status-listen port is a clear runtime error', async () => {
  const state = new SupervisorState([], false, Date.now);
  const a = await startStatusServer({ host: '127.0.0.1', port: 0 }, state, silentLogger());
  try {
    await assert.rejects(startStatusServer({ host: '127.0.0.1', port: a.port }, state, silentLogger()), (e: { code?: string; message: string }) =>
      e.code === 'E_STATUS_LISTEN' && e.message.includes('--status-listen') && e.message.includes('EADDRINUSE'));
  } finally {
    await a.close();
  }
});

test('live: waiting-health -> running -> stopping as a supervised luxd starts and stops', async () => {
  const run = await startSupervisor(['--alias', 'zoo=C', '--status-listen', '127.0.0.1:0', '--grace-period', '400ms'], ['--fake-healthy-after-ms=800', '--fake-ignore-sigterm']);
  const sp = await run.statusPort();
  const waiting = await waitFor(async () => {
    const s = (await getStatus(sp, '/status')).body;
    return s?.phase === 'waiting-health' && s.health.checkedAt ? s : undefined;
  }, 'waiting-health');
  assert.equal(waiting.ready, false);
  assert.equal((await getStatus(sp, '/livez')).status, 200);
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready');
  const running = (await getStatus(sp, '/status')).body;
  assert.equal(running.phase, 'running');
  assert.equal(running.pid, readRecord(run.record)!.pid);
  run.deps.raise('SIGTERM');
  const stopping = (await getStatus(sp, '/status')).body;
  assert.equal(stopping.phase, 'stopping');
  assert.equal((await getStatus(sp, '/readyz')).status, 503);
  assert.equal(await run.done, 137);
  await assert.rejects(fetch(`http://127.0.0.1:${sp}/livez`), 'server closed after exit');
});

test('supervisor: a taken --status-listen port (bound right after the spawn) stops luxd and exits 1', async () => {
  const holder = await startStatusServer({ host: '127.0.0.1', port: 0 }, new SupervisorState([], false, Date.now), silentLogger());
  try {
    const run = await startSupervisor(['--status-listen', `127.0.0.1:${holder.port}`, '--grace-period', '2s']);
    assert.equal(await run.done, 1);
    const logs = run.deps.logs();
    const started = logs.find((l) => String(l.msg).startsWith('started '));
    assert.ok(started, 'luxd was spawned before the status server bound');
    const failed = logs.find((l) => l.code === 'E_STATUS_LISTEN');
    assert.match(String(failed?.msg), /cannot listen on --status-listen 127\.0\.0\.1:\d+: EADDRINUSE; stopping luxd/);
    assert.ok(logs.some((l) => String(l.msg).startsWith('luxd stopped: cannot listen on --status-listen')));
    await waitFor(() => {
      try {
        process.kill(started.pid as number, 0);
        return false;
      } catch {
        return true;
      }
    }, 'luxd gone');
  } finally {
    await holder.close();
  }
});

test('a luxd that exits at once: exit code passes through and the status server is closed, not leaked', async () => {
  const port = await freePort();
  const d = captureDeps();
  const code = await startupCommand.main(['--status-listen', `127.0.0.1:${port}`, '--api-url', 'http://127.0.0.1:9', '--', '/bin/sh', '-c', 'exit 7'], { PATH: process.env.PATH }, d);
  assert.equal(code, 7);
  // the port is free again: the server that was binding while luxd exited got closed
  const again = await startStatusServer({ host: '127.0.0.1', port }, new SupervisorState([], false, Date.now), silentLogger());
  await again.close();
});
