// In-process tests of `luxops install`: main() with captured deps pretending to be the single
// executable (isSea true, execPath a small temp file), against real temp directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile, readlink, lstat, stat, readdir, mkdir, symlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureDeps } from '../helpers/deps.js';
import { installCommand, linkNames, EXECUTABLE_NAME } from '../../src/install/command.js';
import { installExecutable, linkCommand } from '../../src/install/install-files.js';

const NAMES = ['install', 'startup', 'key-downloader', 'signer-downloader', 'rlp-import', 'faucet'];

async function fixture(t: { after(fn: () => unknown): void }): Promise<{ root: string; exe: string; dir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'luxops-install-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const exe = join(root, 'luxops-sea');
  await writeFile(exe, '#!/bin/sh\necho fake single executable\n', { mode: 0o700 });
  return { root, exe, dir: join(root, 'opt', 'luxops') };
}

test('installs the executable with mode 0755 and one relative symlink per command', async (t) => {
  const { exe, dir } = await fixture(t);
  const deps = captureDeps({ isSea: true, execPath: exe, commandNames: NAMES });
  const code = await installCommand.main([dir], {}, deps);
  assert.equal(code, 0, deps.err());
  const installed = join(dir, EXECUTABLE_NAME);
  assert.equal(await readFile(installed, 'utf8'), await readFile(exe, 'utf8'));
  assert.equal((await stat(installed)).mode & 0o777, 0o755);
  for (const name of ['startup', 'key-downloader', 'signer-downloader', 'rlp-import', 'faucet']) {
    assert.ok((await lstat(join(dir, name))).isSymbolicLink(), name);
    assert.equal(await readlink(join(dir, name)), EXECUTABLE_NAME, name);
  }
  // no link for install itself, nothing left behind under a temp name
  assert.deepEqual((await readdir(dir)).sort(), ['faucet', 'key-downloader', 'luxops', 'rlp-import', 'signer-downloader', 'startup']);
  const line = deps.logs().find((l) => l.msg === 'installed luxops and 5 command links');
  assert.ok(line, deps.err());
  assert.equal(line.dir, dir);
});

test('re-install replaces the executable and existing links atomically (idempotent)', async (t) => {
  const { exe, dir } = await fixture(t);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, EXECUTABLE_NAME), 'old version\n', { mode: 0o644 });
  await symlink('/somewhere/else', join(dir, 'faucet'));
  await writeFile(join(dir, 'startup'), 'a stale regular file\n');
  const deps = captureDeps({ isSea: true, execPath: exe, commandNames: NAMES });
  assert.equal(await installCommand.main([dir], {}, deps), 0, deps.err());
  assert.equal(await readFile(join(dir, EXECUTABLE_NAME), 'utf8'), await readFile(exe, 'utf8'));
  assert.equal((await stat(join(dir, EXECUTABLE_NAME))).mode & 0o777, 0o755);
  assert.equal(await readlink(join(dir, 'faucet')), EXECUTABLE_NAME);
  assert.equal(await readlink(join(dir, 'startup')), EXECUTABLE_NAME);
  const deps2 = captureDeps({ isSea: true, execPath: exe, commandNames: NAMES });
  assert.equal(await installCommand.main([dir], {}, deps2), 0, deps2.err());
  assert.equal((await readdir(dir)).filter((n) => n.startsWith('.')).length, 0);
});

test('refuses the .cjs bundle with exit 2 and a clear message, writing nothing', async (t) => {
  const { dir } = await fixture(t);
  const deps = captureDeps({ isSea: false, execPath: '/usr/bin/node', commandNames: NAMES });
  assert.equal(await installCommand.main([dir], {}, deps), 2);
  assert.match(deps.err(), /luxops install: install copies the self-contained executable \(dist\/luxops\), but this is the JavaScript bundle running under \/usr\/bin\/node/);
  await assert.rejects(stat(dir), { code: 'ENOENT' });
});

test('usage errors: missing DIR, extra argument', async () => {
  const deps = captureDeps({ isSea: true });
  assert.equal(await installCommand.main([], {}, deps), 2);
  assert.match(deps.err(), /missing argument DIR/);
  const deps2 = captureDeps({ isSea: true });
  assert.equal(await installCommand.main(['/a', '/b'], {}, deps2), 2);
  assert.match(deps2.err(), /unexpected argument "\/b"/);
});

test('--check prints the resolved directory and touches nothing', async (t) => {
  const { dir } = await fixture(t);
  const deps = captureDeps({ isSea: false });
  assert.equal(await installCommand.main([dir, '--check'], {}, deps), 0);
  const shown = JSON.parse(deps.out()) as Record<string, unknown>;
  assert.equal(shown.command, 'install');
  assert.equal(shown.dir, dir);
  await assert.rejects(stat(dir), { code: 'ENOENT' });
});

test('--help describes DIR', async () => {
  const deps = captureDeps();
  assert.equal(await installCommand.main(['--help'], {}, deps), 0);
  assert.match(deps.out(), /Usage: luxops install DIR/);
});

test('a missing source executable fails with E_INSTALL_FAILED and leaves DIR without temp files', async (t) => {
  const { root, dir } = await fixture(t);
  const deps = captureDeps({ isSea: true, execPath: join(root, 'gone'), commandNames: NAMES });
  assert.equal(await installCommand.main([dir], {}, deps), 1);
  const line = deps.logs().find((l) => l.code === 'E_INSTALL_FAILED');
  assert.ok(line, deps.err());
  assert.match(String(line.msg), /cannot read the running executable .*gone: ENOENT/);
});

test('no command list from the entry is an internal error, not a silent empty install', async (t) => {
  const { exe, dir } = await fixture(t);
  const deps = captureDeps({ isSea: true, execPath: exe });
  assert.equal(await installCommand.main([dir], {}, deps), 1);
  assert.ok(deps.logs().some((l) => l.code === 'E_NO_COMMAND_LIST'), deps.err());
});

test('DIR that is a regular file fails cleanly', async (t) => {
  const { root, exe } = await fixture(t);
  const file = join(root, 'not-a-dir');
  await writeFile(file, 'x');
  await assert.rejects(installExecutable(exe, file, 'luxops'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_INSTALL_FAILED');
    assert.match(e.message, /cannot create directory .*not-a-dir: (EEXIST|ENOTDIR)/);
    return true;
  });
});

test('a directory where a link should go is reported and its temp link removed', async (t) => {
  const { root } = await fixture(t);
  await mkdir(join(root, 'faucet', 'inner'), { recursive: true });
  await assert.rejects(linkCommand(root, 'faucet', 'luxops'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_INSTALL_FAILED');
    assert.match(e.message, /cannot replace .*faucet: E/);
    return true;
  });
  assert.deepEqual((await readdir(root)).filter((n) => n.startsWith('.')), []);
});

test('a source that is a directory is refused', async (t) => {
  const { root, dir } = await fixture(t);
  await assert.rejects(installExecutable(root, dir, 'luxops'), /cannot read the running executable .*: ENOTFILE/);
});

test('linkNames skips install, the executable name and anything that is not a plain command name', () => {
  assert.deepEqual(linkNames(['install', 'luxops', 'startup', '../evil', 'Bad', 'faucet']), ['startup', 'faucet']);
});
