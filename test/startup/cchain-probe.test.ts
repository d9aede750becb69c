// The C-chain state probe against the fake luxd (real HTTP, luxd's texts) and against servers that
// time out, refuse, or answer other errors: only luxd's corruption texts are "corrupt".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corruptMarker, probeCChain } from '../../src/startup/cchain-probe.js';
import { startFakeLuxd } from '../rlp-import/helpers.js';
import { freePort } from '../helpers/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'luxops-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('corruptMarker: luxd texts match; other errors and "layer stale" do not', () => {
  assert.equal(corruptMarker(`missing trie node ${'ab'.repeat(32)} (path ) state 0x${'ab'.repeat(32)} is not available`), 'missing trie node');
  assert.equal(corruptMarker('required historical state unavailable (reexec=8192)'), 'required historical state unavailable');
  assert.equal(corruptMarker(`state 0x${'cd'.repeat(32)} is not available`), `state 0x${'cd'.repeat(32)} is not available`);
  for (const t of ['layer stale', 'execution reverted', 'header not found', 'timed out', 'ECONNREFUSED', 'historical state not available in path scheme yet']) assert.equal(corruptMarker(t), undefined, t);
});

test('probe: ok with the height; corrupt state reads; chain-start corruption from the health check', async () => {
  const flag = join(dir, 'corrupt');
  const fake = await startFakeLuxd({ height: 7, corruptFile: flag });
  after(() => fake.close());
  assert.deepEqual(await probeCChain({ apiUrl: fake.url, prefix: '/ext' }), { state: 'ok', height: 7 });
  writeFileSync(flag, '');
  const v = await probeCChain({ apiUrl: fake.url, prefix: '/ext' });
  assert.equal(v.state, 'corrupt');
  assert.ok(v.state === 'corrupt' && v.source === 'eth_getBalance' && v.height === 7 && /^missing trie node /.test(v.reason));

  const broken = await startFakeLuxd({ corrupt: 'always', corruptAs: 'chain-start', corruptError: 'historical-state' });
  after(() => broken.close());
  const w = await probeCChain({ apiUrl: broken.url, prefix: '/ext' });
  assert.equal(w.state, 'corrupt');
  assert.ok(w.state === 'corrupt' && w.source === 'health' && w.height === undefined);
  assert.match(w.state === 'corrupt' ? w.reason : '', /failed to create chain on subnet .*required historical state unavailable \(reexec=8192\)$/);
});

test('probe: refused, timed out, 404 without a corrupt health check, other RPC errors are never corrupt', async () => {
  const port = await freePort();
  assert.equal((await probeCChain({ apiUrl: `http://127.0.0.1:${port}`, prefix: '/ext' })).state, 'unreachable');

  // a node still starting: the route 404s and health names no corruption
  const starting = await startFakeLuxd({ chainNotReadyMs: 60_000 });
  after(() => starting.close());
  const s = await probeCChain({ apiUrl: starting.url, prefix: '/ext' });
  assert.equal(s.state, 'unreachable');
  assert.match(s.state === 'unreachable' ? s.reason : '', /404/);

  // silent server: each request times out
  const sockets = new Set<import('node:net').Socket>();
  const silent = http.createServer(() => undefined);
  silent.on('connection', (c) => sockets.add(c));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  after(() => {
    for (const c of sockets) c.destroy();
    silent.close();
  });
  const t = await probeCChain({ apiUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, prefix: '/ext', timeoutMs: 200 });
  assert.deepEqual(t.state, 'unreachable');
  assert.match(t.state === 'unreachable' ? t.reason : '', /timed out/);

  // a node that answers, but with something else
  const other = http.createServer((req, res) => {
    if (req.method === 'GET') return res.writeHead(404).end();
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const m = JSON.parse(body) as { id: number; method: string };
      res.setHeader('content-type', 'application/json');
      if (m.method === 'eth_blockNumber') return res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: '0x10' }));
      res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, error: { code: -32000, message: 'layer stale' } }));
    });
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  after(() => other.close());
  const o = await probeCChain({ apiUrl: `http://127.0.0.1:${(other.address() as AddressInfo).port}`, prefix: '/ext' });
  assert.deepEqual(o, { state: 'error', reason: 'eth_getBalance: layer stale (code -32000)' });

  // the caller's abort is thrown, not classified
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(probeCChain({ apiUrl: starting.url, prefix: '/ext', signal: ac.signal }), /stop/);
});
