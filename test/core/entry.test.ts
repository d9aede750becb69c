// The process entry, run from source under tsx (the built artifacts are covered by cli.bb.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, runBin } from '../helpers/run-bin.js';

const entry = (args: string[]) => runBin(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], { cwd: ROOT, env: process.env });

test('entry: --version from source reports the dev version, exit 0', async () => {
  const r = await entry(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0.0.0-dev\n');
});

test('entry: unknown command exits 2 through process.exitCode', async () => {
  const r = await entry(['no-such-command']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "no-such-command"/);
  const none = await entry([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: luxops <command>/);
});

test('nodeSupported: the bundles need Node >= 22.19 (undici 8)', async () => {
  const { nodeSupported, MIN_NODE } = await import('../../src/entry.js');
  assert.equal(MIN_NODE, '22.19.0');
  for (const v of ['22.19.0', '22.20.1', '23.0.0', '24.22.3', '26.1.0']) assert.equal(nodeSupported(v), true, v);
  for (const v of ['20.20.2', '22.18.9', '22.9.0', '18.0.0']) assert.equal(nodeSupported(v), false, v);
  assert.equal(nodeSupported(process.versions.node), true);
});
