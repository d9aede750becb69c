// core/node-http.ts: the node:http client the supervisor uses, against real loopback servers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lightHttpText, createLightJsonRpcClient } from '../../src/core/node-http.js';
import { HttpNetworkError, HttpStatusError, JsonRpcError } from '../../src/core/http.js';
import { isTransient } from '../../src/core/retry.js';

async function server(handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => {
    s.closeAllConnections();
    s.close(() => r());
  }));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test('GET and POST with status and body; JSON content-type on POST', async () => {
  const url = await server((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => res.writeHead(req.method === 'POST' ? 201 : 503).end(`${req.method} ${req.headers['content-type'] ?? '-'} ${b}`));
  });
  assert.deepEqual(await lightHttpText('GET', `${url}/x`, undefined), { status: 503, body: 'GET - ' });
  assert.deepEqual(await lightHttpText('POST', `${url}/x`, '{"a":1}'), { status: 201, body: 'POST application/json {"a":1}' });
});

test('JSON-RPC: result, RPC error (kept verbatim), HTTP error, bad response; errors are the core classes', async () => {
  const url = await server((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      const { method } = JSON.parse(b) as { method: string };
      if (method === 'ok') return res.end('{"jsonrpc":"2.0","id":1,"result":{"x":1}}');
      if (method === 'rpcerr') return res.end('{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"alias already mapped to an ID: zoo"}}');
      if (method === 'down') return res.writeHead(502).end('bad gateway');
      return res.end('not json');
    });
  });
  const rpc = createLightJsonRpcClient(`${url}/ext/admin`);
  assert.deepEqual(await rpc.call('ok'), { x: 1 });
  await assert.rejects(rpc.call('rpcerr'), (e: unknown) => e instanceof JsonRpcError && e.rpcMessage === 'alias already mapped to an ID: zoo');
  await assert.rejects(rpc.call('down'), (e: unknown) => e instanceof HttpStatusError && e.status === 502 && isTransient(e));
  await assert.rejects(rpc.call('junk'), /response is not JSON-RPC 2.0/);
});

test('connection refused and timeouts are transient HttpNetworkErrors; abort rethrows its reason', async () => {
  const dead = await server(() => undefined);
  const port = Number(new URL(dead).port);
  const refused = await lightHttpText('GET', 'http://127.0.0.1:9/', undefined).catch((e: unknown) => e);
  assert.ok(refused instanceof HttpNetworkError && isTransient(refused) && /ECONNREFUSED/.test(refused.message));
  const slow = await lightHttpText('GET', `http://127.0.0.1:${port}/`, undefined, { timeoutMs: 100 }).catch((e: unknown) => e);
  assert.ok(slow instanceof HttpNetworkError && slow.timedOut && /timed out/.test(slow.message));
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('shutdown')), 50);
  await assert.rejects(lightHttpText('GET', `http://127.0.0.1:${port}/`, undefined, { signal: ac.signal }), /shutdown/);
  await assert.rejects(lightHttpText('GET', `http://127.0.0.1:${port}/`, undefined, { signal: ac.signal }), /shutdown/);
});
