// Signal forwarding to a real child: every forwarded signal arrives, SIGTERM/SIGINT stop luxd,
// the grace period escalates to SIGKILL of the whole group (child and grandchild).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSupervisor, readRecord, waitFor, alive, logsMatching } from './helpers.js';

test('SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 reach luxd, which keeps running; SIGTERM then stops it with 0', async () => {
  const run = await startSupervisor([], []);
  await waitFor(() => readRecord(run.record)?.port, 'fake listening');
  const sent: NodeJS.Signals[] = ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  for (const sig of sent) {
    run.deps.raise(sig);
    await waitFor(() => readRecord(run.record)?.signals.some((s) => s.signal === sig), `${sig} recorded`);
  }
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
  const rec = readRecord(run.record)!;
  assert.deepEqual(rec.signals.map((s) => s.signal), [...sent, 'SIGTERM']);
  assert.equal(logsMatching(run.deps, 'forwarding SIGHUP').length, 1);
});

test('SIGINT is forwarded and ends the supervisor with luxd\'s code', async () => {
  const run = await startSupervisor([], []);
  await waitFor(() => readRecord(run.record)?.port, 'fake listening');
  run.deps.raise('SIGINT');
  assert.equal(await run.done, 0);
  assert.deepEqual(readRecord(run.record)!.signals.map((s) => s.signal), ['SIGINT']);
});

test('grace period: luxd ignoring SIGTERM is SIGKILLed with its grandchild -> 137', async () => {
  const run = await startSupervisor(['--grace-period', '300ms'], ['--fake-ignore-sigterm', '--fake-grandchild']);
  const rec = await waitFor(() => {
    const r = readRecord(run.record);
    return r?.port && r.grandchildPid ? r : undefined;
  }, 'fake with grandchild');
  assert.equal(rec.pgid, rec.pid, 'luxd leads its own process group');
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 137);
  assert.deepEqual(readRecord(run.record)!.signals.map((s) => s.signal), ['SIGTERM']);
  assert.equal(logsMatching(run.deps, 'grace period over').length, 1);
  await waitFor(() => !alive(rec.grandchildPid!), 'grandchild gone');
});

test('--no-kill-process-group signals only luxd: the grandchild survives SIGTERM', async () => {
  const run = await startSupervisor(['--no-kill-process-group'], ['--fake-grandchild']);
  const rec = await waitFor(() => {
    const r = readRecord(run.record);
    return r?.port && r.grandchildPid ? r : undefined;
  }, 'fake with grandchild');
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
  assert.equal(alive(rec.grandchildPid!), true);
  process.kill(rec.grandchildPid!, 'SIGKILL');
});

test('a signal after luxd is gone is a warning, not a failure', async () => {
  const { forwardSignals } = await import('../../src/startup/forward-signals.js');
  const { EventEmitter } = await import('node:events');
  const { captureDeps } = await import('../helpers/deps.js');
  const { createLogger } = await import('../../src/core/log.js');
  const d = captureDeps();
  const src = new EventEmitter();
  const stops: string[] = [];
  const fw = forwardSignals({
    source: src as never,
    pid: 999_999_999,
    group: false,
    graceMs: 10_000,
    log: createLogger({ level: 'info', component: 'startup', sink: d.stderr }),
    onStop: (s) => stops.push(s),
    kill: () => {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    },
  });
  src.emit('SIGUSR1', 'SIGUSR1');
  src.emit('SIGTERM', 'SIGTERM');
  src.emit('SIGTERM', 'SIGTERM');
  fw.dispose();
  assert.deepEqual(stops, ['SIGTERM']);
  const warns = d.logs().filter((l) => l.level === 'warn');
  assert.equal(warns.length, 3);
  assert.match(String(warns[0]!.msg), /already gone; SIGUSR1 not delivered/);
  assert.equal(src.listenerCount('SIGTERM'), 0);
});

test('running as PID 1 logs the reaping warning once', async () => {
  const run = await startSupervisor([], ['--fake-exit-after-ms=100'], { pid: 1 });
  assert.equal(await run.done, 0);
  const w = logsMatching(run.deps, 'running as PID 1');
  assert.equal(w.length, 1);
  assert.match(String(w[0]!.msg), /shareProcessNamespace: true/);
});
