// Signal forwarding to a real child: every forwarded signal arrives, SIGTERM/SIGINT stop luxd,
// the grace period escalates to SIGKILL of the whole group (child and grandchild).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startSupervisor, readRecord, waitFor, alive, logsMatching } from './helpers.js';
import { groupMembers, parseProcStat } from '../../src/startup/process-group.js';

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

/** Start a supervised fake whose grandchild ignores SIGTERM; resolves once its handlers are in. */
async function withStubbornGrandchild(flags: string[], fakeArgs: string[] = []) {
  const run = await startSupervisor(flags, ['--fake-grandchild', '--fake-grandchild-ignore-sigterm', ...fakeArgs]);
  const rec = await waitFor(() => {
    const r = readRecord(run.record) as (ReturnType<typeof readRecord> & { grandchildReady?: boolean }) | undefined;
    return r?.port && r.grandchildReady ? r : undefined;
  }, 'fake with a grandchild that ignores SIGTERM');
  return { run, rec };
}

test('SIGTERM: luxd exits at once, a member of its group ignores SIGTERM: the grace timer still runs, SIGKILLs the group, and only then the supervisor exits', { timeout: 30_000 }, async () => {
  const { run, rec } = await withStubbornGrandchild(['--grace-period', '1500ms']);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0, "luxd's own exit code");
  // nothing of luxd's group may outlive the supervisor (zombies waiting for their reaper do not count)
  assert.deepEqual(groupMembers(rec.pid), []);
  assert.equal(logsMatching(run.deps, 'waiting for 1 more process(es) of its group').length, 1);
  assert.equal(logsMatching(run.deps, 'grace period over').length, 1);
  assert.equal(logsMatching(run.deps, "luxd's process group is gone").length, 1);
  await waitFor(() => !alive(rec.grandchildPid!), 'grandchild reaped');
});

test('luxd exits on its own and leaves a group member behind: it is stopped (SIGTERM, grace, SIGKILL) before the supervisor exits with luxd\'s code', { timeout: 30_000 }, async () => {
  const { run, rec } = await withStubbornGrandchild(['--grace-period', '500ms'], ['--fake-exit-after-ms=3000', '--fake-exit-code=3']);
  assert.equal(await run.done, 3);
  assert.deepEqual(groupMembers(rec.pid), []);
  const warn = logsMatching(run.deps, 'luxd exited but 1 process(es) of its group still run; stopping them');
  assert.equal(warn.length, 1);
  assert.deepEqual(warn[0]!.pids, [rec.grandchildPid]);
  assert.equal(logsMatching(run.deps, 'grace period over').length, 1);
});

test('a second SIGINT during the grace period SIGKILLs the group at once (Ctrl-C twice)', { timeout: 20_000 }, async () => {
  const run = await startSupervisor(['--grace-period', '60s'], ['--fake-ignore-sigterm']);
  await waitFor(() => readRecord(run.record)?.port, 'fake listening');
  run.deps.raise('SIGINT');
  await waitFor(() => readRecord(run.record)?.signals.some((s) => s.signal === 'SIGINT'), 'first SIGINT delivered');
  run.deps.raise('SIGINT');
  assert.equal(await run.done, 137);
  assert.deepEqual(readRecord(run.record)!.signals.map((s) => s.signal), ['SIGINT'], 'the second SIGINT is not forwarded: SIGKILL instead');
  assert.equal(logsMatching(run.deps, 'SIGINT during the grace period; sending SIGKILL now').length, 1);
  assert.equal(logsMatching(run.deps, 'grace period over').length, 0);
});

test('a repeated SIGTERM during the grace period is forwarded again and keeps the deadline (no early SIGKILL)', { timeout: 20_000 }, async () => {
  const run = await startSupervisor(['--grace-period', '800ms'], ['--fake-ignore-sigterm']);
  await waitFor(() => readRecord(run.record)?.port, 'fake listening');
  run.deps.raise('SIGTERM');
  await waitFor(() => readRecord(run.record)?.signals.length === 1, 'first SIGTERM delivered');
  run.deps.raise('SIGTERM');
  await waitFor(() => readRecord(run.record)?.signals.length === 2, 'second SIGTERM delivered');
  assert.equal(await run.done, 137);
  assert.deepEqual(readRecord(run.record)!.signals.map((s) => s.signal), ['SIGTERM', 'SIGTERM']);
  const again = logsMatching(run.deps, 'the grace period keeps its deadline');
  assert.equal(again.length, 1);
  assert.ok(typeof again[0]!.killInMs === 'number' && (again[0]!.killInMs as number) <= 800);
  assert.equal(logsMatching(run.deps, 'grace period over').length, 1);
  assert.equal(logsMatching(run.deps, 'sending SIGKILL now').length, 0);
});

test('process group members: /proc stat parsing (comm with spaces and parentheses), our own group seen', () => {
  assert.deepEqual(parseProcStat('4242 (my (odd) name) S 1 4240 4240 0 -1'), { pid: 4242, state: 'S', pgrp: 4240 });
  assert.equal(parseProcStat('garbage'), undefined);
  const own = parseProcStat(readFileSync(`/proc/${process.pid}/stat`, 'latin1'))!;
  assert.equal(own.pid, process.pid);
  assert.ok(groupMembers(own.pgrp).some((m) => m.pid === process.pid));
  // without procfs: kill(-pgid, 0) decides
  assert.deepEqual(groupMembers(own.pgrp, '/nonexistent-proc'), [{ pid: own.pgrp, state: '?' }]);
  assert.deepEqual(groupMembers(999_999_999, '/nonexistent-proc'), []);
});
