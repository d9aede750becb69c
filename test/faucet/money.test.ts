// Money guarantees against a real anvil behind a fault proxy (test/fixtures/rpc-fault-proxy.ts):
// a send the node took but did not answer in time (held past --rpc-timeout, connection cut, 502)
// is answered 202 pending, stays charged, and is never followed by a second transfer; the next
// drip gets the next nonce; transfers are counted on chain. Also: a chain reset while idle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChain, startTestFaucet, drip, call, randomAddress, waitMined, eventually, ONE } from './helpers.js';
import type { Chain } from './helpers.js';
import { startFaultProxy } from '../fixtures/rpc-fault-proxy.js';
import type { FaultProxy } from '../fixtures/rpc-fault-proxy.js';
import { parseLimit } from '../../src/faucet/values.js';

let chain: Chain;
let proxy: FaultProxy;
before(async () => {
  chain = await startChain();
  proxy = await startFaultProxy(chain.node.url);
});
after(async () => {
  await proxy?.close();
  await chain?.node.stop();
});

const nonceOf = async (addr: string, tag = 'latest') => Number(BigInt(await chain.rpc.call<string>('eth_getTransactionCount', [addr, tag])));

for (const fault of ['held past --rpc-timeout', 'connection cut after forwarding', '502 after forwarding'] as const) {
  test(`send ${fault}: 202 pending, retries refused, exactly one transfer on chain, the next drip takes the next nonce`, async () => {
    const key = await chain.fundedKey(100n * ONE);
    const f = await startTestFaucet([proxy.url], { accounts: [key], rpcTimeoutMs: 400, ipLimit: parseLimit('ip-limit', '100/1h'), addressLimit: parseLimit('address-limit', '1/24h') });
    Object.assign(proxy.mode, { delaySendMs: fault === 'held past --rpc-timeout' ? 2500 : 0, sendFault: fault === 'connection cut after forwarding' ? 'reset' : fault === '502 after forwarding' ? '502' : undefined });
    try {
      const to = randomAddress();
      const first = await drip(f.url, to);
      assert.equal(first.status, 202, first.text);
      assert.equal(first.json.status, 'pending');
      assert.match(String(first.json.txHash), /^0x[0-9a-f]{64}$/);
      // a client that retries (same address) is refused: the first request was charged
      for (let i = 0; i < 3; i++) assert.equal((await drip(f.url, to)).status, 429);
      await waitMined(chain.rpc, String(first.json.txHash));
      assert.equal(await chain.balance(to), ONE, 'exactly one transfer to the address');
      assert.equal(await nonceOf(key.address), 1, 'exactly one transaction from the key');
      // the node recovers: the next drip goes out with nonce 1, after the pending one was reconciled
      Object.assign(proxy.mode, { delaySendMs: 0, sendFault: undefined });
      const to2 = randomAddress();
      const next = await drip(f.url, to2);
      assert.equal(next.status, 200, next.text);
      const tx = await chain.rpc.call<{ nonce: string }>('eth_getTransactionByHash', [next.json.txHash]);
      assert.equal(Number(tx.nonce), 1);
      await waitMined(chain.rpc, String(next.json.txHash));
      assert.equal(await chain.balance(to2), ONE);
      assert.equal(await chain.balance(to), ONE);
      assert.equal(await nonceOf(key.address), 2);
      assert.deepEqual(f.senders[0]!.unsettled, []);
      const m = await call(f.adminUrl!, 'GET', '/metrics');
      assert.match(m.text, /^luxops_faucet_drips_total\{outcome="pending"\} 1$/m);
      assert.match(m.text, /^luxops_faucet_reconciled_transfers_total\{result="found"\} 1$/m);
      assert.match(m.text, /^luxops_faucet_unsettled_transfers\{address="0x[0-9a-fA-F]{40}"\} 0$/m);
    } finally {
      Object.assign(proxy.mode, { delaySendMs: 0, sendFault: undefined });
      await f.close();
    }
  });
}

test('limits off: each request is its own charge, still never two transfers for one request', async () => {
  const key = await chain.fundedKey(100n * ONE);
  const f = await startTestFaucet([proxy.url], { accounts: [key], rpcTimeoutMs: 400, ipLimit: parseLimit('ip-limit', 'off'), addressLimit: parseLimit('address-limit', 'off') });
  proxy.mode.delaySendMs = 1500;
  try {
    const to = randomAddress();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await drip(f.url, to));
    assert.deepEqual(answers.map((a) => a.status), [202, 202, 202]);
    proxy.mode.delaySendMs = 0;
    for (const a of answers) await waitMined(chain.rpc, String(a.json.txHash));
    assert.equal(await chain.balance(to), 3n * ONE, 'three requests, three transfers, not more');
    assert.equal(await nonceOf(key.address), 3);
  } finally {
    proxy.mode.delaySendMs = 0;
    await f.close();
  }
});

test('drips that keep failing turn /health to 503 (reason on the admin view); a sent drip turns it back', async () => {
  const key = await chain.fundedKey(100n * ONE);
  const f = await startTestFaucet([proxy.url], { accounts: [key], rpcTimeoutMs: 400, ipLimit: parseLimit('ip-limit', 'off'), addressLimit: parseLimit('address-limit', 'off') });
  proxy.mode.sendFault = '502';
  try {
    assert.equal((await call(f.url, 'GET', '/health')).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await drip(f.url, randomAddress())).status, 202);
    assert.deepEqual((await call(f.url, 'GET', '/health')).json, { status: 'unavailable' });
    assert.match(String((await call(f.adminUrl!, 'GET', '/health')).json.reason), /the last 3 drips failed/);
    proxy.mode.sendFault = undefined;
    assert.equal((await drip(f.url, randomAddress())).status, 200);
    assert.equal((await call(f.url, 'GET', '/health')).status, 200);
  } finally {
    proxy.mode.sendFault = undefined;
    await f.close();
  }
});

test('a devnet reset while the faucet is idle: the next drip reads the nonce again and is mined', async () => {
  const c2 = await startChain();
  const key = await c2.fundedKey(100n * ONE);
  const f = await startTestFaucet([c2.node.url], { accounts: [key], ipLimit: parseLimit('ip-limit', 'off'), addressLimit: parseLimit('address-limit', 'off'), idleResyncMs: 300 });
  try {
    for (let i = 0; i < 3; i++) await waitMined(c2.rpc, String((await drip(f.url, randomAddress())).json.txHash));
    assert.equal(f.senders[0]!.nextNonce, 3);
    // a fresh chain: every account back at nonce 0 (anvil queues a too-high nonce silently, so no refusal comes)
    await c2.rpc.call('anvil_reset', []);
    await c2.rpc.call('anvil_setBalance', [key.address, `0x${(100n * ONE).toString(16)}`]);
    await new Promise((r) => setTimeout(r, 400));
    const to = randomAddress();
    const r = await drip(f.url, to);
    assert.equal(r.status, 200, r.text);
    await waitMined(c2.rpc, String(r.json.txHash));
    assert.equal(await c2.balance(to), ONE);
    await eventually(async () => (await call(f.url, 'GET', '/health')).status === 200, 'healthy after the reset');
  } finally {
    await f.close();
    await c2.node.stop();
  }
});
