// The suite runs on the Node that ships (scripts/node24.mjs pins it; test/run.mjs re-runs itself on
// it), so a machine whose own node is older still tests what it ships.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NODE_VERSION, NODE_PACKAGES, pinnedNode } from '../scripts/node24.mjs';

test('runtime: the tests run on the pinned Node 24 LTS, the one the single executable embeds', () => {
  assert.match(NODE_VERSION, /^24\.\d+\.\d+$/);
  assert.equal(process.version, `v${NODE_VERSION}`);
  assert.equal(process.execPath, pinnedNode());
  // `node` on PATH is the pinned one too (tools started by name, e.g. c8's child or an npm script)
  assert.equal(process.env.PATH?.split(':')[0], pinnedNode().replace(/\/node$/, ''));
});

test('runtime: every pinned package is a Node 24 build with a sha512 integrity', () => {
  assert.deepEqual(Object.keys(NODE_PACKAGES).sort(), ['arm64', 'x64']);
  for (const p of Object.values(NODE_PACKAGES)) assert.match(p.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/);
  const engines = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines;
  assert.ok(engines.node, 'package.json engines.node');
});
