// RpcPool: batches against a real anvil, the single-call fallback for a node that answers batches
// with an error object (a small JSON-RPC server on 127.0.0.1 standing in for such a proxy), and
// fall-over from a dead endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RpcPool, NoRpcError } from '../../src/faucet/rpc-pool.js';
import { freePort } from '../../src/faucet/dev-node.js';
import { JsonRpcError } from '../../src/core/http.js';
import { startChain } from './helpers.js';
import type { Chain } from './helpers.js';

let chain: Chain;
let noBatch: Server;
let noBatchUrl: string;
let batchesSeen = 0;
before(async () => {
  chain = await startChain();
  // answers single JSON-RPC calls; a batch (JSON array) gets one error object, like proxies that forbid batches
  noBatch = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const msg = JSON.parse(body) as { id: number; method: string } | unknown[];
      res.setHeader('content-type', 'application/json');
      if (Array.isArray(msg)) {
        batchesSeen++;
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch requests are not allowed' } }));
        return;
      }
      res.end(JSON.stringify(msg.method === 'eth_chainId' ? { jsonrpc: '2.0', id: msg.id, result: '0x17871' } : { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'nope' } }));
    });
  });
  await new Promise<void>((r) => noBatch.listen(0, '127.0.0.1', () => r()));
  noBatchUrl = `http://127.0.0.1:${(noBatch.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((r) => noBatch?.close(r));
  await chain?.node.stop();
});

test('a batch against anvil answers every item in order, errors per item', async () => {
  const pool = new RpcPool([chain.node.url], 96369, 5000);
  const items = await pool.batch<string>('eth_getBalance', [['0x0000000000000000000000000000000000000001', 'latest'], ['nope', 'latest'], ['0x0000000000000000000000000000000000000002', 'latest']]);
  assert.deepEqual(items.map((i) => i.ok), [true, false, true]);
  assert.ok(!items[1]!.ok && items[1]!.error instanceof JsonRpcError);
});

test('a node that refuses batches gets single calls from then on', async () => {
  const pool = new RpcPool([noBatchUrl], undefined, 5000);
  const a = await pool.batch<string>('eth_chainId', [[], []]);
  assert.deepEqual(a, [{ ok: true, result: '0x17871' }, { ok: true, result: '0x17871' }]);
  const b = await pool.batch<string>('eth_chainId', [[], [], []]);
  assert.equal(b.length, 3);
  assert.equal(batchesSeen, 1, 'the batch was tried once');
});

test('a dead first endpoint: the batch falls over; all dead: NoRpcError', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const pool = new RpcPool([dead, chain.node.url], 96369, 2000);
  const items = await pool.batch<string>('eth_chainId', [[], []]);
  assert.deepEqual(items.map((i) => i.ok), [true, true]);
  assert.deepEqual(pool.status().map((s) => s.ok), [false, true]);
  const allDead = new RpcPool([dead], 96369, 2000);
  await assert.rejects(allDead.batch('eth_chainId', [[], []]), NoRpcError);
});
