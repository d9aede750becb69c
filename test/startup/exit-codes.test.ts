// tini's test matrix: the supervisor's exit code is luxd's code, or 128+n when luxd died of signal n.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startupCommand } from '../../src/startup/command.js';
import { captureDeps } from '../helpers/deps.js';
import { startSupervisor, logsMatching, tempDir } from './helpers.js';

const CODES = [0, 1, 3, 42, 255];
for (const code of CODES) {
  test(`luxd exits ${code} -> supervisor exits ${code}`, async () => {
    const run = await startSupervisor([], ['--fake-exit-after-ms=150', `--fake-exit-code=${code}`, '--fake-healthy-after-ms=60000']);
    assert.equal(await run.done, code);
    assert.equal(logsMatching(run.deps, `luxd exited with code ${code}`).length, 1);
  });
}

const SIGNALS: Array<[NodeJS.Signals, number]> = [['SIGKILL', 137], ['SIGSEGV', 139]];
for (const [sig, expected] of SIGNALS) {
  test(`luxd dies of ${sig} -> supervisor exits ${expected}`, async () => {
    const run = await startSupervisor([], ['--fake-exit-after-ms=150', `--fake-exit-signal=${sig}`]);
    assert.equal(await run.done, expected);
    const line = logsMatching(run.deps, `luxd died of ${sig}`)[0];
    assert.equal(line?.exitCode, expected);
  });
}

test('a shell child killed by SIGSEGV (no fake) also maps to 139', async () => {
  const d = captureDeps();
  const code = await startupCommand.main(['--health-timeout', '10s', '--health-interval', '1s', '--api-url', 'http://127.0.0.1:9', '--', '/bin/sh', '-c', 'kill -SEGV $$'], { PATH: process.env.PATH }, d);
  assert.equal(code, 139);
});

test('missing binary exits 127 with one line naming it', async () => {
  const d = captureDeps();
  const code = await startupCommand.main(['--', '/nonexistent/luxd', '--x'], { PATH: process.env.PATH }, d);
  assert.equal(code, 127);
  const errs = d.logs().filter((l) => l.level === 'error');
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.code, 'E_CHILD_NOT_FOUND');
  assert.match(String(errs[0]!.msg), /cannot run \/nonexistent\/luxd: no such file/);
});

test('a command name not on PATH exits 127', async () => {
  const d = captureDeps();
  assert.equal(await startupCommand.main(['--', 'luxd-not-installed-anywhere'], { PATH: tempDir() }, d), 127);
});

test('a non-executable file and a directory exit 126', async () => {
  const dir = tempDir();
  const file = join(dir, 'luxd');
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, 0o644);
  const d1 = captureDeps();
  assert.equal(await startupCommand.main(['--', file], {}, d1), 126);
  assert.match(String(d1.logs().find((l) => l.level === 'error')?.msg), /cannot run .*luxd: permission denied/);
  mkdirSync(join(dir, 'bin'));
  const d2 = captureDeps();
  assert.equal(await startupCommand.main(['--', join(dir, 'bin')], {}, d2), 126);
  assert.match(String(d2.logs().find((l) => l.level === 'error')?.msg), /is a directory/);
});

test('PATH lookup finds an executable by name', async () => {
  const dir = tempDir();
  const file = join(dir, 'fakeluxd');
  writeFileSync(file, '#!/bin/sh\nexit 7\n');
  chmodSync(file, 0o755);
  const d = captureDeps();
  assert.equal(await startupCommand.main(['--api-url', 'http://127.0.0.1:9', '--', 'fakeluxd'], { PATH: `${dir}:/usr/bin:/bin` }, d), 7);
});
