// The opt-in protections and the ERC-20 drip against a real anvil: proof of work end to end through
// HTTP, the rolling budget, deny/allow lists with reload, the contract check, ERC-20 drips (with and
// instead of the native coin, the token's own balance check), the no-JS HTML answers, /tx/<hash>.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startChain, startTestFaucet, drip, call, randomAddress, waitMined, ONE, NO_LIMIT } from './helpers.js';
import type { Chain } from './helpers.js';
import { deployToken, balanceOf } from './erc20-helpers.js';
import { solvePow } from '../../src/faucet/pow.js';
import type { RunningFaucet } from '../../src/faucet/start.js';
import type { GuardSettings } from '../../src/faucet/guards.js';

let chain: Chain;
let dir: string;
const running: RunningFaucet[] = [];
before(async () => {
  chain = await startChain();
  dir = mkdtempSync(join(tmpdir(), 'luxops-guards-'));
});
after(async () => {
  for (const f of running) await f.close();
  await chain?.node.stop();
  rmSync(dir, { recursive: true, force: true });
});

const OFF: GuardSettings = { listReloadMs: 0, refuseContracts: false };

async function faucet(over: Parameters<typeof startTestFaucet>[1] = {}): Promise<RunningFaucet> {
  const f = await startTestFaucet([chain.node.url], { accounts: [await chain.fundedKey(100n * ONE)], ...over });
  running.push(f);
  return f;
}

function metric(text: string, name: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'))?.split(' ').pop();
}

test('proof of work: no drip without a solved challenge; a solved one works once; a limited client is told before solving', async () => {
  const f = await faucet({ guards: { ...OFF, pow: { difficulty: 10, key: randomBytes(32), ttlMs: 60_000 } } });
  const to = randomAddress();
  const bare = await drip(f.url, to);
  assert.equal(bare.status, 403, bare.text);
  assert.equal(bare.json.pow, 'missing');
  const ch = await call(f.url, 'GET', `/challenge?address=${to}`);
  assert.equal(ch.status, 200, ch.text);
  assert.equal(ch.json.difficulty, 10);
  const { nonce } = solvePow(String(ch.json.seed), 10)!;
  const ok = await call(f.url, 'POST', '/drip', JSON.stringify({ address: to, challenge: ch.json.challenge, nonce: String(nonce) }), { 'content-type': 'application/json' });
  assert.equal(ok.status, 200, ok.text);
  await waitMined(chain.rpc, String(ok.json.txHash));
  assert.equal(await chain.balance(to), ONE);
  // replaying the same solution (even for a fresh address it was not issued for) gets nothing
  const replay = await call(f.url, 'POST', '/drip', JSON.stringify({ address: to, challenge: ch.json.challenge, nonce: String(nonce) }), { 'content-type': 'application/json' });
  assert.equal(replay.json.pow, 'reused');
  const other = await call(f.url, 'POST', '/drip', JSON.stringify({ address: randomAddress(), challenge: ch.json.challenge, nonce: String(nonce) }), { 'content-type': 'application/json' });
  assert.equal(other.json.pow, 'address');
  // this IP is now limited: /challenge says so at once, with the limit and when it frees
  const limited = await call(f.url, 'GET', `/challenge?address=${randomAddress()}`);
  assert.equal(limited.status, 429);
  assert.equal(limited.json.limit, 'ip');
  assert.ok(Number(limited.json.retryAfterS) > 86000);
  assert.equal((await call(f.url, 'GET', '/challenge?address=0x12')).status, 400);
  const m = (await call(f.adminUrl!, 'GET', '/metrics')).text;
  assert.equal(metric(m, 'luxops_faucet_pow_verified_total'), '1');
  assert.equal(metric(m, 'luxops_faucet_pow_difficulty_bits'), '10');
  assert.match(m, /luxops_faucet_pow_failures_total\{reason="reused"\} 1/);
  assert.match(m, /faucet_drips_total\{outcome="pow_failed"\} 3/);
  // the worker the page uses is served with its own strict CSP
  const w = await call(f.url, 'GET', '/pow-worker.js');
  assert.match(String(w.headers['content-type']), /javascript/);
  assert.equal(w.headers['content-security-policy'], "default-src 'none'");
});

test('daily budget: drips stop at the budget with 503 and when it frees; metrics show it used', async () => {
  const f = await faucet({ ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, amountWei: ONE, guards: { ...OFF, dailyBudgetWei: 2n * ONE } });
  const answers = await Promise.all(Array.from({ length: 5 }, () => drip(f.url, randomAddress())));
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 503, 503, 503], 'concurrent drips cannot overshoot');
  const over = answers.find((a) => a.status === 503)!;
  assert.equal(over.json.reason, 'budget');
  assert.ok(Number(over.json.retryAfterS) > 86000 && Number(over.json.retryAfterS) <= 86400);
  assert.equal(over.headers['retry-after'], String(over.json.retryAfterS));
  assert.ok(Math.abs(Number(over.json.retryAt) - (Date.now() + 86400_000)) < 60_000);
  const m = (await call(f.adminUrl!, 'GET', '/metrics')).text;
  assert.equal(metric(m, 'luxops_faucet_budget_used_wei'), (2n * ONE).toString());
  assert.equal(metric(m, 'luxops_faucet_budget_used_tokens'), '2');
  assert.equal(metric(m, 'luxops_faucet_budget_refused_total'), '3');
  // the page states it, and the HTML answer (no JavaScript) says when it frees
  assert.match((await call(f.url, 'GET', '/')).text, /At most 2 LUX in total per 24 h for everyone\./);
  const html = await call(f.url, 'POST', '/drip', `address=${randomAddress()}`, { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
  assert.equal(html.status, 503);
  assert.match(String(html.headers['content-type']), /text\/html/);
  assert.match(html.text, /The faucet has handed out its daily budget\..*It can send again in 2[34] h \d+ min \(at \d\d:\d\d UTC\)\./s);
});

test('the daily budget used survives a restart (journaled with the charges in --state-file)', async () => {
  const stateFile = join(dir, 'budget-state.jsonl');
  const key = await chain.fundedKey(100n * ONE);
  const settings = { accounts: [key], stateFile, ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, guards: { ...OFF, dailyBudgetWei: 2n * ONE } };
  const first = await startTestFaucet([chain.node.url], settings);
  assert.equal((await drip(first.url, randomAddress())).status, 200);
  assert.equal((await drip(first.url, randomAddress())).status, 200);
  await first.close();
  const second = await faucet(settings);
  const over = await drip(second.url, randomAddress());
  assert.equal(over.status, 503, over.text);
  assert.equal(over.json.reason, 'budget');
  const m = (await call(second.adminUrl!, 'GET', '/metrics')).text;
  assert.equal(metric(m, 'luxops_faucet_budget_used_wei'), (2n * ONE).toString());
});

test('deny and allow lists: address and IP refused with 403, allow overrides, a changed file is reloaded', async () => {
  const deny = join(dir, 'deny.txt');
  const allow = join(dir, 'allow.txt');
  const bad = randomAddress();
  const friend = randomAddress();
  writeFileSync(deny, `# bots\n${bad}\n`);
  writeFileSync(allow, '');
  const f = await faucet({ ipLimit: NO_LIMIT, guards: { ...OFF, denyList: deny, allowList: allow, listReloadMs: 50 } });
  const r = await drip(f.url, bad);
  assert.equal(r.status, 403);
  assert.equal(r.json.error, 'this address is not allowed to use the faucet');
  assert.equal((await drip(f.url, friend)).status, 200);
  // deny this client's IP (loopback) in the file: the next request is refused without a restart
  writeFileSync(deny, `${bad}\n127.0.0.0/8\n::1\n`);
  let refused = 0;
  for (let i = 0; i < 100 && refused === 0; i++) {
    await new Promise((res) => setTimeout(res, 50));
    const a = await drip(f.url, randomAddress());
    if (a.status === 403) refused++;
    else assert.equal(a.status, 200, a.text);
  }
  assert.equal(refused, 1, 'the reloaded deny list applies');
  assert.match((await drip(f.url, randomAddress())).json.error as string, /requests from your network are not allowed/);
  writeFileSync(allow, '127.0.0.1\n');
  for (let i = 0; i < 100; i++) {
    await new Promise((res) => setTimeout(res, 50));
    if ((await drip(f.url, randomAddress())).status === 200) break;
  }
  const m = (await call(f.adminUrl!, 'GET', '/metrics')).text;
  assert.match(m, /luxops_faucet_list_entries\{list="deny",kind="network"\} 2/);
  assert.match(m, /luxops_faucet_list_reloads_total\{list="allow"\} 1/);
  assert.match(m, /luxops_faucet_denied_total\{match="address"\} 1/);
});

test('contracts are refused unless allowed; an ERC-20 drip sends the token with and instead of the native coin', async () => {
  const key = await chain.fundedKey(100n * ONE);
  const token = await deployToken(chain, key, 'TKN', 6, 1_000_000n * 10n ** 6n);
  const allow = join(dir, 'allow-contract.txt');
  writeFileSync(allow, `${token}\n`);
  // --refuse-contracts: a contract recipient gets 403; the allow-listed one is served
  const guarded = await faucet({ ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, guards: { ...OFF, refuseContracts: true } });
  const refused = await drip(guarded.url, token);
  assert.equal(refused.status, 403);
  assert.equal(refused.json.reason, 'contract');
  assert.equal((await drip(guarded.url, randomAddress())).status, 200);
  const allowed = await faucet({ ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, guards: { ...OFF, refuseContracts: true, allowList: allow } });
  assert.equal((await drip(allowed.url, token)).status, 200, 'allow-listed contract');

  // --token with the native coin, from the key that holds the supply
  const both = await faucet({ accounts: [key], ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, token: { address: token, amount: '2.5', defaultAmount: '1' } });
  assert.match((await call(both.url, 'GET', '/')).text, /Get <strong>1 LUX and 2\.5 TKN<\/strong>/);
  const to = randomAddress();
  const r = await drip(both.url, to);
  assert.equal(r.status, 200, r.text);
  assert.match(String(r.json.tokenTxHash), /^0x[0-9a-f]{64}$/);
  assert.equal(r.json.tokenAmount, '2500000');
  await waitMined(chain.rpc, String(r.json.txHash));
  const rcpt = await waitMined(chain.rpc, String(r.json.tokenTxHash));
  assert.equal(rcpt.status, '0x1');
  assert.equal(await chain.balance(to), ONE);
  assert.equal(await balanceOf(chain, token, to), 2_500_000n);
  const txs = await Promise.all([r.json.txHash, r.json.tokenTxHash].map((h) => chain.rpc.call<{ nonce: string }>('eth_getTransactionByHash', [h])));
  assert.equal(Number(txs[1]!.nonce), Number(txs[0]!.nonce) + 1, 'one nonce stream');
  const tx = await call(both.url, 'GET', `/tx/${r.json.tokenTxHash}`);
  assert.equal(tx.json.status, 'mined');
  assert.equal((await call(both.url, 'GET', `/tx/0x${'0'.repeat(64)}`)).status, 404, 'only its own transactions');
  const m = (await call(both.adminUrl!, 'GET', '/metrics')).text;
  assert.equal(metric(m, 'luxops_faucet_token_transfers_total'), '1');

  // token only (--amount 0)
  const only = await faucet({ accounts: [key], amountWei: 0n, ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, token: { address: token, amount: '7', defaultAmount: '0' } });
  const to2 = randomAddress();
  const r2 = await drip(only.url, to2);
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.tokenTxHash, undefined);
  await waitMined(chain.rpc, String(r2.json.txHash));
  assert.equal(await balanceOf(chain, token, to2), 7_000_000n);
  assert.equal(await chain.balance(to2), 0n);

  // a key without tokens: its own balance check refuses before sending anything
  const poor = await faucet({ ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, token: { address: token, amount: '1', defaultAmount: '1' } });
  const to3 = randomAddress();
  const r3 = await drip(poor.url, to3);
  assert.equal(r3.status, 503, r3.text);
  assert.equal((await call(poor.url, 'GET', '/health')).status, 503);
  assert.equal(await chain.balance(to3), 0n, 'no native coin sent either');
});

test('no-JS: a browser form POST gets the page with the result; /tx/<hash> answers HTML too; errors carry no internal detail', async () => {
  const f = await faucet({ page: { title: 'Lux Testnet faucet', networkName: 'Lux Testnet', symbol: 'tLUX', explorerUrl: 'https://explore.example/tx/{hash}' } });
  const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  const to = randomAddress();
  const r = await call(f.url, 'POST', '/drip', `address=${encodeURIComponent(`  ${to} \n`)}`, { 'content-type': 'application/x-www-form-urlencoded', accept });
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /text\/html/);
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
  assert.match(r.text, new RegExp(`Sent 1 tLUX to ${to}\\.`));
  const hash = /href="https:\/\/explore\.example\/tx\/(0x[0-9a-f]{64})"/.exec(r.text)?.[1];
  assert.ok(hash, 'explorer link');
  await waitMined(chain.rpc, hash);
  const st = await call(f.url, 'GET', `/tx/${hash}`, undefined, { accept });
  assert.match(st.text, /The transaction is mined in block \d+\./);
  const again = await call(f.url, 'POST', '/drip', `address=${randomAddress()}`, { 'content-type': 'application/x-www-form-urlencoded', accept });
  assert.equal(again.status, 429);
  assert.match(again.text, /Your network \(IP address\) already received 1 tLUX recently\./);
  const bad = await call(f.url, 'POST', '/drip', 'address=nope', { 'content-type': 'application/x-www-form-urlencoded', accept });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /Invalid address: expected 0x followed by 40 hex digits\./);
  // a faucet whose node is gone: the page says "temporarily unavailable", not the node's address
  const down = await startTestFaucet(['http://127.0.0.1:9/'], { rpcTimeoutMs: 300 });
  running.push(down);
  const d = await call(down.url, 'POST', '/drip', `address=${randomAddress()}`, { 'content-type': 'application/x-www-form-urlencoded', accept });
  assert.equal(d.status, 503);
  assert.match(d.text, /The faucet is temporarily unavailable\./);
  assert.doesNotMatch(d.text, /127\.0\.0\.1:9|ECONNREFUSED/);
  // and the page says so before anyone tries (rendered by the server: no extra request)
  const page = await call(down.url, 'GET', '/');
  assert.equal(page.status, 200);
  assert.match(page.text, /<div id="result" role="status" aria-live="polite" class="err"><p class="lead">The faucet is temporarily unavailable\.<\/p>/);
  assert.doesNotMatch((await call(f.url, 'GET', '/')).text, /temporarily unavailable\.<\/p>/);
  // JSON clients still get JSON
  assert.match(String((await drip(f.url, randomAddress())).headers['content-type']), /application\/json/);
});
