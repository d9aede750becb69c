// Black-box tests of `luxops install` with the built artifacts: the single executable installs
// itself and its command links; the .cjs bundle refuses. Build first: node build.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, readlink, stat, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINARIES, runBin, jsonLines } from '../helpers/run-bin.js';

async function tempDir(t: { after(fn: () => unknown): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'luxops-install-bb-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

test('dist/luxops install DIR: byte-identical 0755 copy, links that dispatch by name', async (t) => {
  const dir = join(await tempDir(t), 'opt', 'luxops');
  const r = await runBin(BINARIES.sea, ['install', dir], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const installed = join(dir, 'luxops');
  assert.equal((await stat(installed)).mode & 0o777, 0o755);
  assert.ok((await readFile(installed)).equals(await readFile(BINARIES.sea)), 'installed executable differs from dist/luxops');
  const logged = jsonLines(r.stderr).find((l) => l.component === 'install' && Array.isArray(l.links));
  assert.ok(logged, r.stderr);
  const links = logged.links as string[];
  // every link the command reported exists and points at the executable, and nothing else is there
  assert.deepEqual((await readdir(dir)).sort(), ['luxops', ...links].sort());
  for (const name of links) assert.equal(await readlink(join(dir, name)), 'luxops', name);

  const version = await runBin(installed, ['--version']);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);

  // a command reached through its symlink name (argv[0] dispatch)
  const faucet = await runBin(join(dir, 'faucet'), ['--help']);
  assert.equal(faucet.code, 0, faucet.stderr);
  assert.match(faucet.stdout, /^Usage: luxops faucet /);
});

test('node dist/luxops.cjs install DIR exits 2 with the message and writes nothing', async (t) => {
  const dir = join(await tempDir(t), 'opt');
  const r = await runBin(process.execPath, [BINARIES.cjs, 'install', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^luxops install: install copies the self-contained executable \(dist\/luxops\), but this is the JavaScript bundle running under .*node/);
  await assert.rejects(stat(dir), { code: 'ENOENT' });
});
