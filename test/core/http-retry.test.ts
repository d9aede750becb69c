import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJsonRpcClient, getJson, httpText, HttpStatusError, JsonRpcError, HttpNetworkError } from '../../src/core/http.js';
import { withRetry, isTransient } from '../../src/core/retry.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let handler: Handler = (_q, res) => res.end('{}');
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => handler(req, res, body));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => server.close());

test('JSON-RPC result, with the 2.0 envelope sent', async () => {
  handler = (req, res, body) => {
    const m = JSON.parse(body);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(m.jsonrpc, '2.0');
    res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { echo: m.method, params: m.params } }));
  };
  const rpc = createJsonRpcClient(`${base}/ext/admin`);
  assert.deepEqual(await rpc.call('admin.aliasChain', { chain: 'C', alias: 'zoo' }), { echo: 'admin.aliasChain', params: { chain: 'C', alias: 'zoo' } });
});

test('JSON-RPC error objects keep code and message (HTTP 200, luxd style)', async () => {
  handler = (_q, res, body) => res.end(JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(body).id, error: { code: -32000, message: 'alias already mapped to an ID: zoo', data: null } }));
  const rpc = createJsonRpcClient(`${base}/ext/admin`);
  await assert.rejects(rpc.call('admin.aliasChain', {}), (e: unknown) => {
    assert.ok(e instanceof JsonRpcError);
    assert.equal(e.rpcCode, -32000);
    assert.equal(e.rpcMessage, 'alias already mapped to an ID: zoo');
    assert.equal(e.code, 'E_JSONRPC');
    return true;
  });
});

test('HTTP errors read [POST] "url": 503 Service Unavailable', async () => {
  handler = (_q, res) => {
    res.statusCode = 503;
    res.end('busy');
  };
  const url = `${base}/ext/bc/C/rpc`;
  await assert.rejects(createJsonRpcClient(url).call('eth_blockNumber'), (e: unknown) => {
    assert.ok(e instanceof HttpStatusError);
    assert.equal(e.message, `[POST] "${url}": 503 Service Unavailable`);
    assert.equal(e.status, 503);
    assert.ok(isTransient(e));
    return true;
  });
  handler = (_q, res) => res.end('not json');
  await assert.rejects(createJsonRpcClient(url).call('x'), /response is not JSON-RPC 2.0/);
});

test('timeouts and connection refused become HttpNetworkError', async () => {
  handler = () => undefined; // never answers
  await assert.rejects(createJsonRpcClient(`${base}/slow`).call('x', undefined, { timeoutMs: 100 }), (e: unknown) => e instanceof HttpNetworkError && e.timedOut && e.code === 'E_HTTP_TIMEOUT');
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await assert.rejects(getJson(`http://127.0.0.1:${port}/ext/health`), (e: unknown) => e instanceof HttpNetworkError && /ECONNREFUSED/.test(e.message) && isTransient(e));
});

test('a caller abort is re-thrown as-is, not wrapped', async () => {
  handler = () => undefined;
  const ac = new AbortController();
  const reason = Object.assign(new Error('received SIGTERM'), { name: 'AbortError' });
  setTimeout(() => ac.abort(reason), 50);
  await assert.rejects(httpText('GET', `${base}/hang`, undefined, { signal: ac.signal, timeoutMs: 5000 }), (e: unknown) => e === reason);
});

test('getJson returns status and parsed body, undefined for non-JSON', async () => {
  handler = (_q, res) => {
    res.statusCode = 503;
    res.end(JSON.stringify({ healthy: false, checks: {} }));
  };
  assert.deepEqual(await getJson(`${base}/ext/health`), { status: 503, body: { healthy: false, checks: {} } });
  handler = (_q, res) => res.end('<html>');
  assert.deepEqual(await getJson(`${base}/`), { status: 200, body: undefined });
});

test('withRetry retries transient failures, bounded, and stops on permanent ones', async () => {
  let n = 0;
  handler = (_q, res, body) => {
    n++;
    if (n < 3) {
      res.statusCode = 502;
      res.end();
      return;
    }
    res.end(JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(body).id, result: 'ok' }));
  };
  const rpc = createJsonRpcClient(`${base}/r`);
  const seen: number[] = [];
  assert.equal(await withRetry(() => rpc.call('x'), { retries: 4, minTimeoutMs: 5, maxTimeoutMs: 10, onRetry: (_e, a) => seen.push(a) }), 'ok');
  assert.equal(n, 3);
  assert.deepEqual(seen, [1, 2]);

  n = 0;
  handler = (_q, res) => {
    n++;
    res.statusCode = 503;
    res.end();
  };
  await assert.rejects(withRetry(() => rpc.call('x'), { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2 }), HttpStatusError);
  assert.equal(n, 3, 'retries + 1 attempts');

  n = 0;
  handler = (_q, res) => {
    n++;
    res.statusCode = 400;
    res.end();
  };
  await assert.rejects(withRetry(() => rpc.call('x'), { retries: 5, minTimeoutMs: 1 }), HttpStatusError);
  assert.equal(n, 1, '4xx is permanent');

  n = 0;
  await assert.rejects(withRetry(() => rpc.call('x'), { retries: 5, idempotent: false, shouldRetry: () => true }), HttpStatusError);
  assert.equal(n, 1, 'non-idempotent calls run once');
});

test('withRetry never retries after the caller aborted', async () => {
  const ac = new AbortController();
  let n = 0;
  await assert.rejects(
    withRetry(
      async () => {
        n++;
        ac.abort();
        throw new HttpNetworkError('GET', 'http://x', new Error('ECONNRESET'), false);
      },
      { retries: 5, minTimeoutMs: 1, signal: ac.signal },
    ),
  );
  assert.equal(n, 1);
});
