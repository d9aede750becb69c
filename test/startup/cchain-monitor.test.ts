// The monitor around the probe: one corrupt answer followed by a good one is never reported (a
// recovery deletes data); a confirmed one is reported once however long it lasts, and cleared
// when state reads work again. Driven against a JSON-RPC server scripted per answer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startCChainMonitor } from '../../src/startup/cchain-monitor.js';
import { SupervisorState } from '../../src/startup/state.js';
import { waitFor } from './helpers.js';

const CORRUPT = `missing trie node ${'ab'.repeat(32)} (path ) state 0x${'ab'.repeat(32)} is not available`;

/** eth_getBalance answers from `script` in order (the last one repeats). */
async function node(script: Array<'ok' | 'corrupt'>) {
  let n = 0;
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const m = JSON.parse(body) as { id: number; method: string };
      res.setHeader('content-type', 'application/json');
      if (m.method === 'eth_blockNumber') return res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: '0x2a' }));
      const what = script[Math.min(n++, script.length - 1)];
      res.end(JSON.stringify(what === 'ok' ? { jsonrpc: '2.0', id: m.id, result: '0x0' } : { jsonrpc: '2.0', id: m.id, error: { code: -32000, message: CORRUPT } }));
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  after(() => s.close());
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, calls: () => n };
}

function monitor(url: string, onCorrupt: () => void) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const state = new SupervisorState([], false, Date.now);
  const ac = new AbortController();
  after(() => ac.abort());
  const m = startCChainMonitor({ apiUrl: url, prefix: () => '/ext', intervalMs: 30, confirmDelayMs: 20, state, log, signal: ac.signal, due: () => true, onCorrupt });
  m.done.catch(() => undefined);
  return { state, lines, errors: () => lines.filter((l) => l.level === 50) };
}

test('one corrupt answer, then a good one: confirmed as not corrupt, nothing reported', async () => {
  const n = await node(['corrupt', 'ok']);
  let hooks = 0;
  const m = monitor(n.url, () => hooks++);
  await waitFor(() => m.state.cchain.state === 'ok' && n.calls() >= 3, 'probed');
  assert.equal(m.errors().length, 0);
  assert.equal(m.state.counters.cchainCorruptions, 0);
  assert.equal(hooks, 0);
  assert.ok(m.lines.some((l) => l.msg === 'C-chain state probe says corrupt; confirming'));
});

test('confirmed corruption: one error line however long it lasts, every verdict to the hook, cleared when reads work', async () => {
  const n = await node(['corrupt', 'corrupt', 'corrupt', 'corrupt', 'corrupt', 'corrupt', 'ok']);
  let hooks = 0;
  const m = monitor(n.url, () => hooks++);
  await waitFor(() => m.state.cchain.state === 'corrupt', 'detected');
  assert.equal(m.state.phase, 'degraded');
  assert.equal(m.state.readiness().ready, false);
  assert.equal(m.state.cchain.reason, CORRUPT);
  assert.equal(m.state.cchain.height, 42);
  await waitFor(() => m.state.cchain.state === 'ok', 'reads work again');
  assert.equal(m.errors().length, 1);
  assert.equal(m.errors()[0]!.code, 'E_CCHAIN_CORRUPT');
  assert.equal(m.state.counters.cchainCorruptions, 1);
  assert.ok(hooks >= 2, `hook per confirmed verdict (${hooks})`);
  assert.equal(m.state.cchain.since, undefined);
  assert.ok(m.lines.some((l) => l.msg === 'C-chain state reads work again'));
});
