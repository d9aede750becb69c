// Black-box: the built executables (dist/luxops.cjs under node, and the dist/luxops single
// executable) as real supervisors of the fake luxd: exit codes, signals sent to the supervisor's
// own pid, 127, usage, stdio passed through byte for byte, aliases + status server, --attach.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, jsonLines } from '../helpers/run-bin.js';
import { FAKE_LUXD, freePort, readRecord, tempDir, waitFor, getStatus, alive } from './helpers.js';

interface Proc {
  pid: number;
  out(): Buffer;
  err(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const TARGETS: Array<[string, string, string[]]> = [
  ['luxops.cjs', process.execPath, [BINARIES.cjs]],
  ['luxops (SEA)', BINARIES.sea, []],
];

function start(file: string, pre: string[], args: string[]): Proc {
  const child = spawn(file, [...pre, 'startup', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { pid: child.pid!, out: () => Buffer.concat(out), err: () => err, done };
}

async function fakeArgs(extra: string[] = []): Promise<{ args: string[]; record: string; api: string }> {
  const port = await freePort();
  const record = join(tempDir(), 'record.json');
  after(() => {
    const rec = readRecord(record);
    if (rec?.pid && alive(rec.pid)) process.kill(-rec.pid, 'SIGKILL');
  });
  const api = `http://127.0.0.1:${port}`;
  return { api, record, args: ['--', process.execPath, FAKE_LUXD, `--http-port=${port}`, `--fake-record=${record}`, ...extra] };
}

for (const [name, file, pre] of TARGETS) {
  const skip = existsSync(file === process.execPath ? BINARIES.cjs : file) ? false : `${name} not built`;

  for (const code of [0, 42]) {
    test(`${name}: luxd exit ${code} passes through`, { skip }, async () => {
      const f = await fakeArgs([`--fake-exit-after-ms=200`, `--fake-exit-code=${code}`]);
      const p = start(file, pre, ['--api-url', f.api, '--health-interval', '50ms', ...f.args]);
      assert.equal((await p.done).code, code);
    });
  }

  test(`${name}: luxd killed by SIGKILL -> 137, by SIGSEGV -> 139`, { skip }, async () => {
    const f = await fakeArgs(['--fake-exit-after-ms=200', '--fake-exit-signal=SIGKILL']);
    assert.equal((await start(file, pre, ['--api-url', f.api, ...f.args]).done).code, 137);
    assert.equal((await start(file, pre, ['--api-url', 'http://127.0.0.1:9', '--', '/bin/sh', '-c', 'kill -SEGV $$']).done).code, 139);
  });

  test(`${name}: SIGTERM to the supervisor reaches luxd; supervisor exits with luxd's 0`, { skip }, async () => {
    const f = await fakeArgs();
    const p = start(file, pre, ['--api-url', f.api, '--health-interval', '50ms', ...f.args]);
    await waitFor(() => readRecord(f.record)?.port, 'fake listening');
    process.kill(p.pid, 'SIGUSR1');
    await waitFor(() => readRecord(f.record)?.signals.some((s) => s.signal === 'SIGUSR1'), 'SIGUSR1 forwarded');
    process.kill(p.pid, 'SIGTERM');
    assert.deepEqual(await p.done, { code: 0, signal: null });
    assert.deepEqual(readRecord(f.record)!.signals.map((s) => s.signal), ['SIGUSR1', 'SIGTERM']);
    const lines = jsonLines(p.err());
    assert.ok(lines.length > 0 && lines.every((l) => l.component === 'startup'));
  });

  test(`${name}: luxd's stdout passes through byte for byte`, { skip }, async () => {
    const p = start(file, pre, ['--api-url', 'http://127.0.0.1:9', '--', '/bin/sh', '-c', "printf 'a\\000b\\377\\r\\n'"]);
    assert.equal((await p.done).code, 0);
    assert.deepEqual([...p.out()], [0x61, 0x00, 0x62, 0xff, 0x0d, 0x0a]);
  });

  test(`${name}: missing binary 127, usage error 2`, { skip }, async () => {
    const a = start(file, pre, ['--', '/no/such/luxd']);
    assert.equal((await a.done).code, 127);
    assert.match(a.err(), /cannot run \/no\/such\/luxd: no such file/);
    const b = start(file, pre, []);
    assert.equal((await b.done).code, 2);
    assert.match(b.err(), /missing the luxd command after --/);
  });

  test(`${name}: health, aliases and the status server; --attach exits 0 on SIGTERM`, { skip }, async () => {
    const f = await fakeArgs(['--fake-healthy-after-ms=300']);
    const statusPort = await freePort();
    const p = start(file, pre, ['--api-url', f.api, '--health-interval', '50ms', '--alias', 'zoo=C', '--status-listen', `127.0.0.1:${statusPort}`, ...f.args]);
    await waitFor(async () => (await getStatus(statusPort, '/readyz').catch(() => ({ status: 0 }))).status === 200, 'ready');
    assert.ok(readRecord(f.record)!.aliases.zoo);
    // a sidecar next to it
    const side = start(file, pre, ['--attach', '--api-url', f.api, '--health-interval', '50ms', '--alias', 'zoo=C']);
    await waitFor(() => side.err().includes('already mapped'), 'sidecar applied aliases');
    process.kill(side.pid, 'SIGTERM');
    assert.equal((await side.done).code, 0);
    process.kill(p.pid, 'SIGTERM');
    assert.equal((await p.done).code, 0);
  });
}

test('luxops (SEA): SIGTERM to the supervisor; luxd exits, a member of its group ignores SIGTERM: SIGKILLed after the grace period, nothing of the group outlives the supervisor; a second SIGINT kills at once', { skip: existsSync(BINARIES.sea) ? false : 'not built' }, async () => {
  const { groupMembers } = await import('../../src/startup/process-group.js');
  const f = await fakeArgs(['--fake-grandchild', '--fake-grandchild-ignore-sigterm']);
  after(() => {
    const gc = (readRecord(f.record) as { grandchildPid?: number } | undefined)?.grandchildPid;
    if (gc && alive(gc)) process.kill(gc, 'SIGKILL');
  });
  const p = start(BINARIES.sea, [], ['--api-url', f.api, '--grace-period', '1s', ...f.args]);
  const rec = await waitFor(() => {
    const r = readRecord(f.record) as (ReturnType<typeof readRecord> & { grandchildReady?: boolean }) | undefined;
    return r?.port && r.grandchildReady ? r : undefined;
  }, 'grandchild ready', 20_000);
  process.kill(p.pid, 'SIGTERM');
  assert.deepEqual(await p.done, { code: 0, signal: null });
  assert.deepEqual(groupMembers(rec.pid), [], 'no live member of luxd\'s group after the supervisor exited');
  const lines = jsonLines(p.err());
  assert.ok(lines.some((l) => String(l.msg).startsWith('grace period over')), p.err());

  // Ctrl-C twice: luxd ignores SIGINT, the second one SIGKILLs without waiting the 60 s grace
  const g = await fakeArgs(['--fake-ignore-sigterm']);
  const q = start(BINARIES.sea, [], ['--api-url', g.api, '--grace-period', '60s', ...g.args]);
  await waitFor(() => readRecord(g.record)?.port, 'luxd listening', 20_000);
  process.kill(q.pid, 'SIGINT');
  await waitFor(() => readRecord(g.record)?.signals.some((s) => s.signal === 'SIGINT'), 'first SIGINT delivered');
  process.kill(q.pid, 'SIGINT');
  assert.deepEqual(await q.done, { code: 137, signal: null });
});
