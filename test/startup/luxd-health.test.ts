// src/core/luxd-health.ts against the fake luxd (in-process) and a bare HTTP server for odd answers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error plain JS fixture without types
import { startFakeLuxd } from '../fixtures/fake-luxd.mjs';
import { checkHealth, healthUrl, resolveApiPrefix, waitHealthy, answeredHealth } from '../../src/core/luxd-health.js';

type Fake = { url: string; port: number; close(): Promise<void> };
const fakes: Fake[] = [];
async function fake(opts: Record<string, unknown>): Promise<Fake> {
  const f = (await startFakeLuxd({ httpPort: 0, ...opts })) as Fake;
  fakes.push(f);
  return f;
}
after(async () => {
  for (const f of fakes) await f.close();
});

async function server(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  after(() => new Promise<void>((r) => s.close(() => r())));
  return { url, close: () => new Promise<void>((r) => s.close(() => r())) };
}

test('healthUrl joins api url and prefix', () => {
  assert.equal(healthUrl('http://h:9630/', '/v1'), 'http://h:9630/v1/health');
});

test('checkHealth: 503 names the failing checks, 200 is healthy', async () => {
  const f = await fake({ healthyAfterMs: 3000 }); // wide: the first check must land before it on a loaded machine
  const r1 = await checkHealth(healthUrl(f.url, '/ext'));
  assert.equal(r1.healthy, false);
  assert.equal(r1.status, 503);
  assert.ok(r1.failing.length > 0, JSON.stringify(r1));
  assert.ok(answeredHealth(r1));
  const w = await waitHealthy({ apiUrl: f.url, apiPrefix: '/ext', timeoutMs: 10_000, intervalMs: 50 });
  assert.equal(w.healthy, true);
  assert.ok(w.polls >= 2);
  assert.deepEqual(w.last.failing, []);
});

test('checkHealth: connection refused, non-JSON and 404 are unhealthy results, not throws', async () => {
  const srv = await server((req, res) => {
    if (req.url === '/ext/health') res.end('hello');
    else res.writeHead(404).end('404 page not found\n');
  });
  const txt = await checkHealth(`${srv.url}/ext/health`);
  assert.deepEqual({ h: txt.healthy, e: txt.error }, { h: false, e: 'not JSON' });
  const nf = await checkHealth(`${srv.url}/v1/health`);
  assert.equal(nf.error, 'HTTP 404');
  assert.equal(answeredHealth(nf), false);
  const dead = await server((_q, r) => r.end());
  await dead.close();
  const refused = await checkHealth(`${dead.url}/ext/health`);
  assert.equal(refused.healthy, false);
  assert.equal(refused.status, undefined);
  assert.equal(refused.error, 'ECONNREFUSED');
});

test('resolveApiPrefix: auto finds /v1 when /ext 404s; a fixed prefix is kept', async () => {
  const f = await fake({ apiPrefix: '/v1' });
  const r = await resolveApiPrefix(f.url, 'auto');
  assert.equal(r.prefix, '/v1');
  assert.equal(r.result.healthy, true);
  const e = await fake({ apiPrefix: '/ext' });
  assert.equal((await resolveApiPrefix(e.url, 'auto')).prefix, '/ext');
  const fixed = await resolveApiPrefix(e.url, '/v1');
  assert.equal(fixed.prefix, '/v1');
  assert.equal(fixed.result.healthy, false);
});

test('waitHealthy: auto prefix on a server that starts late', async () => {
  const f = await fake({ apiPrefix: '/v1', listenAfterMs: 300 });
  const polls: Array<string | undefined> = [];
  const w = await waitHealthy({ apiUrl: f.url, apiPrefix: 'auto', timeoutMs: 10_000, intervalMs: 50, onPoll: (_r, p) => polls.push(p) });
  assert.equal(w.healthy, true);
  assert.equal(w.prefix, '/v1');
  assert.equal(polls.at(-1), '/v1');
});

test('waitHealthy: timeout returns unhealthy with the failing checks', async () => {
  const f = await fake({ healthyAfterMs: 600_000 });
  const w = await waitHealthy({ apiUrl: f.url, apiPrefix: 'auto', timeoutMs: 200, intervalMs: 50 });
  assert.equal(w.healthy, false);
  assert.equal(w.prefix, '/ext');
  assert.ok(w.last.failing.length > 0);
});

test('waitHealthy: abort ends the wait with the abort reason', async () => {
  const f = await fake({ healthyAfterMs: 600_000 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('child exited')), 100);
  await assert.rejects(waitHealthy({ apiUrl: f.url, apiPrefix: '/ext', timeoutMs: 60_000, intervalMs: 10_000, signal: ac.signal }), /child exited/);
});
