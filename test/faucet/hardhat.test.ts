// The faucet on a second EVM implementation: Hardhat's node (EDR), which words and codes its
// refusals differently from anvil/geth ("Sender doesn't have enough funds...", -32000; "Nonce too
// high. Expected nonce to be 0 but got 2"). Refusals are classified from re-read facts, so the
// answers are the same as on anvil: funds -> 503 with /health agreeing, a reset chain -> resync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startTestFaucet, drip, call, randomAddress, ONE } from './helpers.js';
import { startHardhat } from './hardhat-node.js';
import type { HardhatNode } from './hardhat-node.js';
import { startFaultProxy } from '../fixtures/rpc-fault-proxy.js';
import type { FaultProxy } from '../fixtures/rpc-fault-proxy.js';
import { parseLimit } from '../../src/faucet/values.js';

let hh: HardhatNode;
before(async () => {
  hh = await startHardhat();
});
after(async () => {
  await hh?.stop();
});

const OFF = { ipLimit: parseLimit('ip-limit', 'off'), addressLimit: parseLimit('address-limit', 'off') };
const balance = async (a: string) => BigInt(await hh.rpc.call<string>('eth_getBalance', [a, 'latest']));
async function fundedKey(wei: bigint) {
  const acct = privateKeyToAccount(generatePrivateKey());
  await hh.rpc.call('hardhat_setBalance', [acct.address, `0x${wei.toString(16)}`]);
  return acct;
}

test('hardhat: a drip is sent and mined; /health ok', async () => {
  const f = await startTestFaucet([hh.url], { accounts: [await fundedKey(100n * ONE)] });
  try {
    const to = randomAddress();
    const r = await drip(f.url, to);
    assert.equal(r.status, 200, r.text);
    assert.equal(await balance(to), ONE);
    assert.equal((await call(f.url, 'GET', '/health')).status, 200);
  } finally {
    await f.close();
  }
});

test('hardhat: a key emptied behind the faucet\'s back is 503 "temporarily unavailable" (not 502), and /health agrees at once', async () => {
  const key = await fundedKey(100n * ONE);
  // a long cache: the faucet still believes in the balance and sends; the node refuses in its own words
  const f = await startTestFaucet([hh.url], { accounts: [key], refreshIntervalMs: 3_600_000, ...OFF });
  try {
    assert.equal((await drip(f.url, randomAddress())).status, 200);
    await hh.rpc.call('hardhat_setBalance', [key.address, '0x0']);
    const r = await drip(f.url, randomAddress());
    assert.equal(r.status, 503, r.text);
    assert.deepEqual(r.json, { error: 'faucet temporarily unavailable' });
    assert.equal((await call(f.url, 'GET', '/health')).status, 503);
    assert.match(String((await call(f.adminUrl!, 'GET', '/health')).json.reason), /balance too low/);
  } finally {
    await f.close();
  }
});

test('hardhat: after a chain reset the node says "Nonce too high"; the faucet resyncs from the pending nonce and sends', async () => {
  const key = await fundedKey(100n * ONE);
  // no idle resync here: the refusal itself must lead to the resync
  // the chain as it was before the faucet sent anything (Hardhat 3's node has no hardhat_reset)
  const snapshot = await hh.rpc.call<string>('evm_snapshot', []);
  const f = await startTestFaucet([hh.url], { accounts: [key], idleResyncMs: 3_600_000, ...OFF });
  try {
    for (let i = 0; i < 2; i++) assert.equal((await drip(f.url, randomAddress())).status, 200);
    assert.equal(f.senders[0]!.nextNonce, 2);
    assert.equal(await hh.rpc.call('evm_revert', [snapshot]), true);
    const to = randomAddress();
    const r = await drip(f.url, to);
    assert.equal(r.status, 200, r.text);
    assert.equal(await balance(to), ONE);
    const tx = await hh.rpc.call<{ nonce: string }>('eth_getTransactionByHash', [r.json.txHash]);
    assert.equal(Number(tx.nonce), 0);
    assert.equal((await call(f.url, 'GET', '/health')).status, 200);
  } finally {
    await f.close();
  }
});

test('hardhat behind a proxy that holds the send past --rpc-timeout: 202 pending, one transfer, the next drip takes the next nonce', async () => {
  const proxy: FaultProxy = await startFaultProxy(hh.url);
  const key = await fundedKey(100n * ONE);
  const f = await startTestFaucet([proxy.url], { accounts: [key], rpcTimeoutMs: 400, ipLimit: parseLimit('ip-limit', '100/1h'), addressLimit: parseLimit('address-limit', '1/24h') });
  try {
    proxy.mode.delaySendMs = 2000;
    const to = randomAddress();
    const first = await drip(f.url, to);
    assert.equal(first.status, 202, first.text);
    for (let i = 0; i < 3; i++) assert.equal((await drip(f.url, to)).status, 429);
    proxy.mode.delaySendMs = 0;
    const next = await drip(f.url, randomAddress());
    assert.equal(next.status, 200, next.text);
    assert.equal(await balance(to), ONE, 'exactly one transfer');
    assert.equal(Number(BigInt(await hh.rpc.call<string>('eth_getTransactionCount', [key.address, 'latest']))), 2);
  } finally {
    proxy.mode.delaySendMs = 0;
    await f.close();
    await proxy.close();
  }
});
