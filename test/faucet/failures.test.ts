// The faucet when things go wrong: RPC down or on the wrong chain, low balance, restarts with
// --state-file, --wait receipt. Real anvil on 127.0.0.1; a "down" RPC is a closed loopback port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChain, startTestFaucet, drip, call, randomAddress, captureLogger, ONE } from './helpers.js';
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

test('RPC down: /drip and /health answer 503, publicly without any detail; the limit is not charged', async () => {
  const f = await startTestFaucet([deadUrl]);
  try {
    const h = await call(f.url, 'GET', '/health');
    assert.equal(h.status, 503);
    assert.deepEqual(h.json, { status: 'unavailable' });
    const a = await call(f.adminUrl!, 'GET', '/health');
    assert.equal(a.status, 503);
    assert.match(String(a.json.reason), /no RPC answered/);
    assert.equal((a.json.rpc as Array<{ ok: boolean }>)[0]!.ok, false);
    const d = await drip(f.url, randomAddress());
    assert.equal(d.status, 503, d.text);
    assert.deepEqual(d.json, { error: 'faucet temporarily unavailable' });
    assert.equal((await drip(f.url, randomAddress())).status, 503, 'still 503, not 429: nothing was charged');
    assert.equal(f.metrics.dripCount('unavailable'), 2);
    // readiness stays up: the page and /drip explain the outage to users
    assert.equal((await call(f.url, 'GET', '/readyz')).status, 200);
    assert.equal((await call(f.url, 'GET', '/')).status, 200);
  } finally {
    await f.close();
  }
});

test('RPC credentials never reach a public answer, the logs or the admin view in the clear', async () => {
  const PASS = 'pa55w0rdXYZ';
  const KEY = 'apik3yQQQ';
  const cap = captureLogger();
  const secretDead = deadUrl.replace('http://', `http://bob:${PASS}@`) + `/rpc?apikey=${KEY}`;
  const f = await startTestFaucet([secretDead], { log: cap.log });
  try {
    const seen = [await call(f.url, 'GET', '/health'), await drip(f.url, randomAddress()), await call(f.url, 'GET', '/'), await call(f.adminUrl!, 'GET', '/health'), await call(f.adminUrl!, 'GET', '/metrics')];
    const all = seen.map((r) => r.text).join('\n') + JSON.stringify(cap.lines());
    assert.ok(!all.includes(PASS) && !all.includes(KEY), 'a secret leaked');
    // public answers name no endpoint at all; the admin view names it redacted
    assert.ok(!seen.slice(0, 3).some((r) => r.text.includes('127.0.0.1')), 'the public side names an internal endpoint');
    assert.match(seen[3]!.text, /http:\/\/\*\*\*@127\.0\.0\.1:\d+\/rpc\?apikey=\*\*\*/);
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
    assert.match(String((await call(f.adminUrl!, 'GET', '/health')).json.reason), /balance too low/);
    const d = await drip(f.url, randomAddress());
    assert.equal(d.status, 503);
    assert.equal(d.json.error, 'faucet temporarily unavailable');
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

test('--state-file: limits survive a restart; the journal has mode 0600 and no temp file is left', async () => {
  const stateFile = join(dir, 'state', 'limits.json');
  const key = await chain.fundedKey(10n * ONE);
  const to = randomAddress();
  const first = await startTestFaucet([chain.node.url], { accounts: [key], stateFile });
  try {
    assert.equal((await drip(first.url, to)).status, 200);
  } finally {
    await first.close();
  }
  const lines = (await readFile(stateFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines[0], { luxops: 'faucet-state', v: 2 });
  assert.deepEqual(lines.slice(1).map((l) => [l.ip, l.a]), [['127.0.0.1', to.toLowerCase()]]);
  assert.equal((await stat(stateFile)).mode & 0o777, 0o600);
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

test('--state-file: a version 1 file (earlier releases) is read and rewritten as a journal; a refused send gives the charge back', async () => {
  const stateFile = join(dir, 'v1.json');
  const t = Date.now() - 1000;
  await writeFile(stateFile, JSON.stringify({ version: 1, savedAt: t, ip: { '10.0.0.1': [t] }, address: { '0x00000000000000000000000000000000000000aa': [t] } }) + '\n');
  const poor = await chain.fundedKey(ONE / 2n);
  const f = await startTestFaucet([chain.node.url], { accounts: [poor], stateFile, trustProxy: 1 });
  try {
    assert.equal((await drip(f.url, randomAddress(), { 'x-forwarded-for': '10.0.0.1' })).status, 429);
    // balance too low: refused before anything is journalled
    assert.equal((await drip(f.url, randomAddress(), { 'x-forwarded-for': '10.0.0.2' })).status, 503);
  } finally {
    await f.close();
  }
  const text = await readFile(stateFile, 'utf8');
  assert.ok(text.startsWith('{"luxops":"faucet-state","v":2}\n'), text);
  assert.ok(text.includes('"10.0.0.1"') && !text.includes('"10.0.0.2"'), text);
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
