// Nonce discipline under load against a real anvil: 100 concurrent drips, three keys round-robin,
// resync after someone else used the key, and a rejected transaction leaving no nonce gap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { startChain, startTestFaucet, drip, call, randomAddress, waitMined, NO_LIMIT, DEV_KEYS, ONE } from './helpers.js';
import type { Chain } from './helpers.js';
import { loadAccounts } from '../../src/faucet/keys.js';

let chain: Chain;
let dir: string;
before(async () => {
  chain = await startChain();
  dir = await mkdtemp(join(tmpdir(), 'faucet-conc-'));
});
after(async () => {
  await chain?.node.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Tx { nonce: string; from: string; blockNumber: string | null }

async function txsOf(hashes: string[]): Promise<Tx[]> {
  return Promise.all(hashes.map((h) => chain.rpc.call<Tx>('eth_getTransactionByHash', [h])));
}

function assertConsecutive(nonces: number[], label: string): void {
  const sorted = [...nonces].sort((a, b) => a - b);
  assert.equal(new Set(sorted).size, sorted.length, `${label}: duplicate nonce`);
  sorted.forEach((n, i) => assert.equal(n, sorted[0]! + i, `${label}: gap at ${n}`));
}

test('100 concurrent drips to distinct addresses: 100 mined transactions with consecutive unique nonces', async () => {
  const account = await chain.fundedKey(1000n * ONE);
  const f = await startTestFaucet([chain.node.url], { accounts: [account], ipLimit: NO_LIMIT, addressLimit: NO_LIMIT });
  try {
    const tos = Array.from({ length: 100 }, () => randomAddress());
    const answers = await Promise.all(tos.map((to) => drip(f.url, to)));
    assert.deepEqual(answers.map((a) => a.status), Array(100).fill(200));
    const hashes = answers.map((a) => String(a.json.txHash));
    assert.equal(new Set(hashes).size, 100);
    for (const h of hashes) assert.equal((await waitMined(chain.rpc, h)).status, '0x1');
    const txs = await txsOf(hashes);
    assertConsecutive(txs.map((t) => Number(t.nonce)), 'single key');
    assert.equal(Number(await chain.rpc.call<string>('eth_getTransactionCount', [account.address, 'latest'])), 100);
    for (const to of tos.slice(0, 5)) assert.equal(await chain.balance(to), ONE);
  } finally {
    await f.close();
  }
});

test('--keys-file with 3 keys spreads the load round-robin, each with its own nonce stream', async () => {
  const path = join(dir, 'keys.yaml');
  await writeFile(path, DEV_KEYS.map((k) => `- key: ${k.slice(2)}\n  note: dev\n`).join(''), { mode: 0o600 });
  const accounts = await loadAccounts({ keysFile: path });
  assert.deepEqual(accounts.map((a) => a.address), DEV_KEYS.map((k) => privateKeyToAccount(k).address));
  const f = await startTestFaucet([chain.node.url], { accounts, ipLimit: NO_LIMIT, addressLimit: NO_LIMIT });
  try {
    const answers = await Promise.all(Array.from({ length: 30 }, () => drip(f.url, randomAddress())));
    assert.deepEqual(answers.map((a) => a.status), Array(30).fill(200));
    const txs = await txsOf(answers.map((a) => String(a.json.txHash)));
    const byFrom = new Map<string, number[]>();
    for (const t of txs) byFrom.set(t.from.toLowerCase(), [...(byFrom.get(t.from.toLowerCase()) ?? []), Number(t.nonce)]);
    assert.equal(byFrom.size, 3);
    for (const [from, nonces] of byFrom) {
      assert.equal(nonces.length, 10, `${from} got an even share`);
      assertConsecutive(nonces, from);
    }
  } finally {
    await f.close();
  }
});

test('someone else using the key: nonce too low -> resync and the drip still succeeds', async () => {
  const account = await chain.fundedKey(100n * ONE);
  const f = await startTestFaucet([chain.node.url], { accounts: [account], ipLimit: NO_LIMIT, addressLimit: NO_LIMIT });
  try {
    assert.equal((await drip(f.url, randomAddress())).status, 200);
    // another signer (an operator's script) sends two transfers with the same key behind our back
    for (const nonce of [1, 2]) {
      const raw = await account.signTransaction({ type: 'eip1559', chainId: 96369, nonce, to: randomAddress(), value: 1n, gas: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n });
      await chain.rpc.call('eth_sendRawTransaction', [raw]);
    }
    const r = await drip(f.url, randomAddress());
    assert.equal(r.status, 200, r.text);
    const tx = await chain.rpc.call<Tx>('eth_getTransactionByHash', [r.json.txHash]);
    assert.equal(Number(tx.nonce), 3);
    assert.equal(f.senders[0]!.resyncs, 1);
  } finally {
    await f.close();
  }
});

test('a transaction the node rejects frees its nonce: the next drip uses it and is mined', async () => {
  const account = await chain.fundedKey(100n * ONE);
  // a long refresh interval: the faucet keeps believing in the balance we take away below
  const f = await startTestFaucet([chain.node.url], { accounts: [account], ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, refreshIntervalMs: 3_600_000 });
  try {
    const first = await drip(f.url, randomAddress());
    assert.equal(first.status, 200, first.text);
    // nonce 0 must be mined before the balance goes: a pending transfer without funds is dropped
    assert.equal((await waitMined(chain.rpc, String(first.json.txHash))).status, '0x1');
    await chain.rpc.call('anvil_setBalance', [account.address, '0x1']);
    const rejected = await drip(f.url, randomAddress());
    assert.equal(rejected.status, 503, rejected.text);
    assert.equal(rejected.json.error, 'faucet temporarily unavailable');
    // the refusal made the faucet read the balance again: /health agrees with the answer
    assert.equal((await call(f.url, 'GET', '/health')).status, 503);
    assert.match(String((await call(f.adminUrl!, 'GET', '/health')).json.reason), /balance too low/);
    await chain.rpc.call('anvil_setBalance', [account.address, `0x${(100n * ONE).toString(16)}`]);
    await f.faucet.p.chain.refresh();
    const r = await drip(f.url, randomAddress());
    assert.equal(r.status, 200, r.text);
    const tx = await chain.rpc.call<Tx>('eth_getTransactionByHash', [r.json.txHash]);
    assert.equal(Number(tx.nonce), 1, 'nonce 1 was not burnt by the rejected transfer');
    assert.equal((await waitMined(chain.rpc, String(r.json.txHash))).status, '0x1');
  } finally {
    await f.close();
  }
});
