// The faucet when things go wrong: RPC down or on the wrong chain, low balance, restarts with
// --state-file, --wait receipt. Real anvil on 127.0.0.1; a "down" RPC is a closed loopback port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChain, startTestFaucet, drip, call, randomAddress, ONE } from './helpers.js';
import type { Chain } from './helpers.js';
import { freePort } from '../../src/faucet/dev-node.js';
import { parseLimit } from '../../src/faucet/values.js';
import { LuxopsError } from '../../src/core/errors.js';

let chain: Chain;
let dir: string;
let deadUrl: string;
before(async () => {
  chain = await startChain();
  dir = await mkdtemp(join(tmpdir(), 'faucet-fail-'));
  deadUrl = `http://127.0.0.1:${await freePort()}`;
});
after(async () => {
  await chain?.node.stop();
  await rm(dir, { recursive: true, force: true });
});

test('RPC down: /drip and /health answer 503 and the limit is not charged', async () => {
  const f = await startTestFaucet([deadUrl]);
  try {
    const h = await call(f.url, 'GET', '/health');
    assert.equal(h.status, 503);
    assert.equal(h.json.status, 'unavailable');
    assert.match(String(h.json.reason), /no RPC answered/);
    assert.equal((h.json.rpc as Array<{ ok: boolean }>)[0]!.ok, false);
    const d = await drip(f.url, randomAddress());
    assert.equal(d.status, 503, d.text);
    assert.equal((await drip(f.url, randomAddress())).status, 503, 'still 503, not 429: nothing was charged');
    assert.equal(f.metrics.dripCount('unavailable'), 2);
  } finally {
    await f.close();
  }
});

test('a dead first RPC falls over to the next one', async () => {
  const f = await startTestFaucet([deadUrl, chain.node.url], { accounts: [await chain.fundedKey(10n * ONE)] });
  try {
    assert.equal((await call(f.url, 'GET', '/health')).status, 200);
    assert.equal((await drip(f.url, randomAddress())).status, 200);
  } finally {
    await f.close();
  }
});

test('low balance: 503 on /drip and /health once a key cannot cover amount + fee (+ --min-balance)', async () => {
  const poor = await chain.fundedKey(ONE / 2n);
  const f = await startTestFaucet([chain.node.url], { accounts: [poor] });
  try {
    const h = await call(f.url, 'GET', '/health');
    assert.equal(h.status, 503);
    assert.match(String(h.json.reason), /balance too low/);
    const d = await drip(f.url, randomAddress());
    assert.equal(d.status, 503);
    assert.match(String(d.json.error), /balance too low/);
  } finally {
    await f.close();
  }
  const floor = await startTestFaucet([chain.node.url], { accounts: [await chain.fundedKey(5n * ONE)], minBalanceWei: 5n * ONE });
  try {
    assert.equal((await drip(floor.url, randomAddress())).status, 503, '--min-balance keeps a reserve');
  } finally {
    await floor.close();
  }
});

test('an RPC on another chain than --chain-id stops the faucet at startup', async () => {
  await assert.rejects(startTestFaucet([chain.node.url], { chainId: 1 }), (e: unknown) => e instanceof LuxopsError && e.code === 'E_CHAIN_ID_MISMATCH' && /chain id 96369, expected 1/.test(e.message));
});

test('--state-file: limits survive a restart; the file is written atomically with mode 0600', async () => {
  const stateFile = join(dir, 'state', 'limits.json');
  const key = await chain.fundedKey(10n * ONE);
  const to = randomAddress();
  const first = await startTestFaucet([chain.node.url], { accounts: [key], stateFile });
  try {
    assert.equal((await drip(first.url, to)).status, 200);
  } finally {
    await first.close();
  }
  const doc = JSON.parse(await readFile(stateFile, 'utf8')) as { version: number; ip: Record<string, number[]>; address: Record<string, number[]> };
  assert.equal(doc.version, 1);
  assert.deepEqual(Object.keys(doc.ip), ['127.0.0.1']);
  assert.deepEqual(Object.keys(doc.address), [to.toLowerCase()]);
  assert.deepEqual(await readdir(join(dir, 'state')), ['limits.json'], 'no temp file left');
  const second = await startTestFaucet([chain.node.url], { accounts: [key], stateFile });
  try {
    const r = await drip(second.url, randomAddress());
    assert.equal(r.status, 429, 'the IP is still limited after the restart');
  } finally {
    await second.close();
  }
  // a window that has passed: the same state no longer limits
  const later = await startTestFaucet([chain.node.url], { accounts: [key], stateFile, now: () => Date.now() + 25 * 3600_000, ipLimit: parseLimit('ip-limit', '1/24h') });
  try {
    assert.equal((await drip(later.url, randomAddress())).status, 200);
  } finally {
    await later.close();
  }
});

test('a corrupt --state-file stops the faucet with a clear error', async () => {
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{"version":1,');
  await assert.rejects(startTestFaucet([chain.node.url], { stateFile: bad }), (e: unknown) => e instanceof LuxopsError && e.code === 'E_STATE_FILE' && e.message.includes(bad));
});

test('--wait receipt answers once the transaction is mined', async () => {
  const f = await startTestFaucet([chain.node.url], { accounts: [await chain.fundedKey(10n * ONE)], wait: 'receipt' });
  try {
    const to = randomAddress();
    const r = await drip(f.url, to);
    assert.equal(r.status, 200, r.text);
    const receipt = await chain.rpc.call<{ status: string } | null>('eth_getTransactionReceipt', [r.json.txHash]);
    assert.equal(receipt?.status, '0x1');
    assert.equal(await chain.balance(to), ONE);
  } finally {
    await f.close();
  }
});

test('--wait receipt: a recipient contract that fails the 21000-gas transfer is 502, and the limit stays charged', async () => {
  const f = await startTestFaucet([chain.node.url], { accounts: [await chain.fundedKey(10n * ONE)], wait: 'receipt' });
  try {
    const contract = randomAddress();
    // PUSH1 0 PUSH1 0 REVERT: any call fails
    await chain.rpc.call('anvil_setCode', [contract, '0x60006000fd']);
    const r = await drip(f.url, contract);
    assert.equal(r.status, 502, r.text);
    assert.match(String(r.json.error), /mined but failed/);
    assert.match(String(r.json.txHash), /^0x[0-9a-f]{64}$/);
    const again = await drip(f.url, randomAddress());
    assert.equal(again.status, 429, 'the transaction was sent (and paid for): the IP is charged');
    assert.match(String(again.json.error), /reached its limit of 1 drip per 1d/);
  } finally {
    await f.close();
  }
});
