// Pure pieces of the anti-abuse options and the page: the rolling budget, deny/allow list parsing,
// matching and reload, ERC-20 encoding, policy sentences, no-JS answers, the tx status cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RollingBudget } from '../../src/faucet/budget.js';
import { AccessLists, classifyCode, parseList } from '../../src/faucet/access-list.js';
import { CidrSet } from '../../src/faucet/cidr-set.js';
import { BlockList, isIP } from 'node:net';
import { decodeSymbol, formatUnits, parseTokenSpec, parseUnits, transferData } from '../../src/faucet/erc20.js';
import { humanWindow, policyLines } from '../../src/faucet/page-policy.js';
import { dripResult, spanText, txResult } from '../../src/faucet/page-answer.js';
import { renderPage, wantsHtml, CSP } from '../../src/faucet/page.js';
import type { PageConfig } from '../../src/faucet/page.js';
import { TxStatus } from '../../src/faucet/tx-status.js';
import { parseLimit, NO_LIMIT } from '../../src/faucet/values.js';
import { silentLogger } from '../../src/core/log.js';
import { UsageError } from '../../src/core/errors.js';

const ONE = 10n ** 18n;
const H = 3_600_000;

test('rolling budget: reservations cannot overshoot, charges free 24 h later, the answer says when', () => {
  let t = 1_000_000;
  const b = new RollingBudget(3n * ONE, () => t);
  const r1 = b.reserve(ONE);
  const r2 = b.reserve(ONE);
  const r3 = b.reserve(ONE);
  assert.ok(r1.ok && r2.ok && r3.ok);
  const over = b.reserve(ONE);
  assert.equal(over.ok, false, 'three in flight fill the budget');
  r3.release();
  r1.commit(t);
  t += H;
  r2.commit(t);
  assert.equal(b.used(), 2n * ONE);
  const r4 = b.reserve(ONE);
  assert.ok(r4.ok);
  r4.commit(t);
  const full = b.reserve(ONE);
  assert.ok(!full.ok);
  assert.equal(full.freesAt, 1_000_000 + 24 * H, 'the oldest charge frees the room');
  assert.equal(full.retryAfterS, 23 * 3600);
  const two = b.reserve(2n * ONE);
  assert.ok(!two.ok && two.freesAt === 1_000_000 + 25 * H, 'two drips need the two oldest charges gone');
  t = 1_000_000 + 24 * H;
  assert.equal(b.used(), 2n * ONE);
  assert.ok(b.reserve(ONE).ok);
  // state file round trip drops what expired
  const snap = b.snapshot();
  assert.equal(snap.length, 2);
  const b2 = new RollingBudget(3n * ONE, () => t + H / 2);
  b2.restore([...snap, ['x', '1'], [t, 'nope'], [t + H / 2 + 3600_000, '5'], [t - 25 * H, '7']]);
  assert.equal(b2.used(), 2n * ONE, 'malformed, expired and future entries dropped');
  const b3 = new RollingBudget(3n * ONE, () => t + 2 * H);
  b3.restore(snap);
  assert.equal(b3.used(), 0n, 'both charged at +1 h: expired 2 h after the 24 h mark');
  assert.equal(b.refused, 3);
});

test('lists: addresses, IPs and CIDRs (v4, v6, mapped), comments; bad lines named', () => {
  const l = parseList('# team\n0xAbCdEf0123456789abcdef0123456789ABCDEF01  # a bot\n\n203.0.113.0/24\n2001:db8::/32\n198.51.100.7\n');
  assert.equal(l.addressCount, 1);
  assert.equal(l.networkCount, 3);
  assert.ok(l.addresses.has('0xabcdef0123456789abcdef0123456789abcdef01'));
  assert.ok(l.ips.has('203.0.113.99'));
  assert.ok(!l.ips.has('203.0.114.1'));
  assert.ok(l.ips.has('2001:db8:1::5'));
  assert.ok(!l.ips.has('2001:db9::5'));
  assert.ok(l.ips.has('198.51.100.7'));
  assert.ok(!l.ips.has('198.51.100.8'));
  assert.throws(() => parseList('ok\n'), /line 1: not an address/);
  assert.throws(() => parseList('\n10.0.0.0/33'), /line 2: bad prefix length/);
  assert.throws(() => parseList('0x1234'), /line 1/);
  assert.equal(classifyCode('0x'), 'eoa');
  assert.equal(classifyCode('0x6080604052'), 'contract');
  assert.equal(classifyCode(`0xef0100${'ab'.repeat(20)}`), 'eoa', 'an EIP-7702 delegation is a person\'s account');
});

test('CIDR set: v4/v6 networks and addresses, /0, embedded IPv4, compressed forms; agrees with node:net BlockList', () => {
  const set = new CidrSet();
  const ref = new BlockList();
  const entries: Array<[string, number | undefined]> = [['10.0.0.0', 8], ['192.168.1.128', 25], ['203.0.113.7', undefined], ['2001:db8::', 32], ['fe80::', 10], ['::1', undefined], ['64:ff9b::', 96], ['2001:db8:abcd:12::', 64]];
  for (const [ip, bits] of entries) {
    set.add(ip, bits);
    if (bits === undefined) ref.addAddress(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
    else ref.addSubnet(ip, bits, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
  }
  const probes = ['10.255.1.2', '11.0.0.1', '192.168.1.200', '192.168.1.100', '203.0.113.7', '203.0.113.8', '2001:db8:ffff::1', '2001:db9::1', 'fe80::1', 'febf:ffff::1', 'fec0::1', '::1', '::2', '64:ff9b::192.0.2.33', '64:ff9c::1', '2001:db8:abcd:12:ffff::1', '2001:db8:abcd:13::1', '0.0.0.0', '255.255.255.255', '::'];
  for (const p of probes) assert.equal(set.has(p), ref.check(p, isIP(p) === 4 ? 'ipv4' : 'ipv6'), p);
  const all = new CidrSet();
  all.add('0.0.0.0', 0);
  assert.ok(all.has('1.2.3.4') && !all.has('::1'));
  assert.equal(set.has('not an ip'), false);
});

test('lists: allow overrides deny; files reload on change and keep the last good list on a bad edit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'luxops-lists-'));
  try {
    const deny = join(dir, 'deny.txt');
    const allow = join(dir, 'allow.txt');
    const bot = '0x' + 'b'.repeat(40);
    const friend = '0x' + 'f'.repeat(40);
    writeFileSync(deny, `${bot}\n${friend}\n10.0.0.0/8\n`);
    writeFileSync(allow, `${friend}\n10.1.2.3\n`);
    const lists = new AccessLists({ denyList: deny, allowList: allow }, silentLogger(), Date.now);
    await lists.start(0);
    assert.deepEqual(lists.check(bot, '192.0.2.1'), { ok: false, reason: 'address' });
    assert.deepEqual(lists.check(friend, '192.0.2.1'), { ok: true, allowed: true });
    assert.deepEqual(lists.check('0x' + 'c'.repeat(40), '10.9.9.9'), { ok: false, reason: 'ip' });
    assert.deepEqual(lists.check('0x' + 'c'.repeat(40), '10.1.2.3'), { ok: true, allowed: false });
    // an atomic replace (as a ConfigMap update does) is picked up
    writeFileSync(join(dir, 'new'), '10.0.0.0/8\n');
    renameSync(join(dir, 'new'), deny);
    await lists.pollNow();
    assert.deepEqual(lists.check(bot, '192.0.2.1'), { ok: true, allowed: false });
    // a broken edit keeps the previous list, counted
    writeFileSync(deny, 'garbage line\n');
    await lists.pollNow();
    assert.deepEqual(lists.check('0x' + 'c'.repeat(40), '10.9.9.9'), { ok: false, reason: 'ip' });
    assert.equal(lists.stats().find((s) => s.list === 'deny')!.reloadErrors, 1);
    rmSync(deny);
    await lists.pollNow();
    await lists.pollNow();
    assert.equal(lists.stats().find((s) => s.list === 'deny')!.reloadErrors, 2, 'a missing file is reported once');
    lists.stop();
    // at start a bad or missing file is a usage error naming the flag
    await assert.rejects(new AccessLists({ denyList: join(dir, 'none') }, silentLogger(), Date.now).start(0), (e: Error) => e instanceof UsageError && /--deny-list .*cannot read \(ENOENT\)/.test(e.message));
    writeFileSync(allow, 'nope\n');
    await assert.rejects(new AccessLists({ allowList: allow }, silentLogger(), Date.now).start(0), /--allow-list .*line 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ERC-20: --token parsing, units, transfer calldata, symbol decoding', () => {
  assert.deepEqual(parseTokenSpec('0xAbCdEf0123456789abcdef0123456789ABCDEF01:2.5'), { address: '0xabcdef0123456789abcdef0123456789abcdef01', amount: '2.5' });
  assert.deepEqual(parseTokenSpec('0xabcdef0123456789abcdef0123456789abcdef01'), { address: '0xabcdef0123456789abcdef0123456789abcdef01', amount: undefined });
  for (const bad of ['0x12', 'usdc', '0xabcdef0123456789abcdef0123456789abcdef01:', '0xabcdef0123456789abcdef0123456789abcdef01:-1']) assert.throws(() => parseTokenSpec(bad), /--token/);
  assert.equal(parseUnits('2.5', 6), 2_500_000n);
  assert.equal(parseUnits('7', 0), 7n);
  assert.throws(() => parseUnits('0.001', 2), /more than the token's 2 decimals/);
  assert.throws(() => parseUnits('0', 18), /above 0/);
  assert.equal(formatUnits(2_500_000n, 6), '2.5');
  assert.equal(formatUnits(10n * ONE, 18), '10');
  assert.equal(transferData('0x00000000000000000000000000000000000000aa', 255n), `0xa9059cbb${'0'.repeat(62)}aa${'0'.repeat(62)}ff`);
  const abiString = (s: string) => '0x' + (32).toString(16).padStart(64, '0') + s.length.toString(16).padStart(64, '0') + Buffer.from(s).toString('hex').padEnd(64, '0');
  assert.equal(decodeSymbol(abiString('USDC')), 'USDC');
  assert.equal(decodeSymbol('0x' + Buffer.from('MKR').toString('hex').padEnd(64, '0')), 'MKR', 'bytes32 symbols');
  assert.equal(decodeSymbol(abiString('<script>')), '<script>', 'printable: escaped where shown');
  assert.equal(decodeSymbol(abiString('bad\u0007')), undefined);
  assert.equal(decodeSymbol('0x'), undefined);
  assert.equal(decodeSymbol('0x' + 'f'.repeat(128)), undefined, 'absurd offset');
});

test('policy sentences follow the limits the server enforces', () => {
  const day = parseLimit('ip-limit', '1/24h');
  assert.deepEqual(policyLines({ offer: '1 LUX', ipLimit: day, addressLimit: day, pow: false, refuseContracts: false }), ['1 LUX per address and per IP every 24 h.']);
  assert.deepEqual(policyLines({ offer: '1 LUX', ipLimit: parseLimit('ip-limit', '5/1h'), addressLimit: day, budget: '1000 LUX', pow: true, refuseContracts: true }), [
    'Each address can receive 1 LUX once every 24 h.',
    'Each IP address can ask 5 times every 1 h.',
    'At most 1000 LUX in total per 24 h for everyone.',
    'Contract addresses are not accepted.',
    'Your browser first solves a short proof-of-work puzzle (usually a few seconds) to keep bots out.',
  ]);
  assert.deepEqual(policyLines({ offer: '2 LUX', ipLimit: NO_LIMIT, addressLimit: NO_LIMIT, pow: false, refuseContracts: false }), ['2 LUX per request.']);
  assert.equal(humanWindow(2 * 86400_000), '2 days');
  assert.equal(humanWindow(90_000), '90 s');
  assert.equal(humanWindow(1_800_000), '30 min');
});

const CFG: PageConfig = { title: 'Lux testnet faucet', networkName: 'Lux Testnet', symbol: 'LUX', chainId: 96368, amount: '1', faucetAddress: '0x' + 'a'.repeat(40), explorerUrl: 'https://explore.example/tx/{hash}', policy: ['1 LUX per address and per IP every 24 h.'], pow: false };

test('no-JS answers: the same wording as the script, times in UTC, no server detail for 5xx', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  const lim = dripResult(CFG, 429, { error: 'rate limited: ...', limit: 'ip', retryAfterS: 3600 * 23 + 59 * 60 }, now);
  assert.equal(lim.lead, 'Your network (IP address) already received 1 LUX recently.');
  assert.equal(lim.more, 'You can ask again in 23 h 59 min (at 11:59 UTC).');
  assert.equal(dripResult(CFG, 429, { limit: 'address', retryAfterS: 5 }, now).lead, 'This address already received 1 LUX recently.');
  assert.equal(dripResult(CFG, 503, { reason: 'budget', retryAfterS: 600, retryAt: now + 600_000 }, now).more, 'It can send again in 10 min (at 12:10 UTC).');
  const down = dripResult(CFG, 503, { error: 'faucet unavailable: no RPC answered (http://10.0.0.5:9630 ECONNREFUSED)' }, now);
  assert.ok(!JSON.stringify(down).includes('10.0.0.5'));
  assert.equal(dripResult(CFG, 400, { error: 'invalid address: expected 0x followed by 40 hex digits' }, now).lead, 'Invalid address: expected 0x followed by 40 hex digits.');
  const ok = dripResult(CFG, 200, { txHash: '0x' + '1'.repeat(64), address: '0x' + 'b'.repeat(40) }, now);
  assert.equal(ok.kind, 'ok');
  assert.equal(ok.txs![0]!.hash, '0x' + '1'.repeat(64));
  assert.equal(txResult(200, { hash: '0x1', status: 'mined', blockNumber: 7 }).lead, 'The transaction is mined in block 7.');
  assert.equal(spanText(61), '1 min 1 s');
  assert.equal(spanText(0), '1 s');
});

test('page: identity, offer and policy before the click; escaped; explorer link; JSON config block cannot break out', () => {
  const html = renderPage({ ...CFG, title: 'Lux <b>', rpcPublicUrl: 'https://rpc.example/</script>' }, dripResult(CFG, 200, { txHash: '0x' + '1'.repeat(64), address: '0x' + 'b'.repeat(40) }, 0));
  assert.ok(html.includes('<title>Lux &#60;b&#62;</title>'));
  assert.ok(html.includes('Lux Testnet · chain ID 96368'));
  assert.ok(html.includes('Get <strong>1 LUX</strong>'));
  assert.ok(html.includes('<li>1 LUX per address and per IP every 24 h.</li>'));
  assert.ok(html.includes(`href="https://explore.example/tx/0x${'1'.repeat(64)}"`));
  assert.equal((html.match(/<\/script>/g) ?? []).length, 2, 'only the two real script ends');
  assert.ok(html.includes('"chainId":"0x17870"'));
  assert.ok(Buffer.byteLength(html) < 30 * 1024);
  assert.match(CSP, /script-src 'sha256-[A-Za-z0-9+/=]{44}'; worker-src 'self'/);
  assert.equal(wantsHtml('text/html,application/xhtml+xml,*/*;q=0.8'), true);
  assert.equal(wantsHtml('application/json'), false);
  assert.equal(wantsHtml('*/*'), false);
  assert.equal(wantsHtml(undefined), false);
  assert.equal(wantsHtml('application/json, text/html'), false);
});

test('tx status: only known hashes, one node call per second per hash, bounded', async () => {
  let t = 0;
  const calls: string[] = [];
  let receipt: unknown = null;
  const s = new TxStatus({ call: async <T,>(_m: string, p?: unknown) => (calls.push((p as string[])[0]!), receipt as T) }, () => t, 2, 1000);
  assert.equal(await s.get('0xabc'), undefined);
  s.add('0xABC');
  assert.deepEqual(await s.get('0xabc'), { hash: '0xabc', status: 'pending' });
  await Promise.all([s.get('0xabc'), s.get('0xABC')]);
  assert.equal(calls.length, 1);
  t += 1000;
  receipt = { status: '0x1', blockNumber: '0x10' };
  assert.deepEqual(await s.get('0xabc'), { hash: '0xabc', status: 'mined', blockNumber: 16 });
  t += 5000;
  await s.get('0xabc');
  assert.equal(calls.length, 2, 'a mined transaction is not asked again');
  s.add('0x2');
  s.add('0x3');
  assert.equal(await s.get('0xabc'), undefined, 'oldest forgotten past the bound');
});

test('contract checks of concurrent drips share one batched eth_getCode; an item the node could not answer is a 503 for that drip only', async () => {
  const { DripGuards } = await import('../../src/faucet/guards.js');
  const batches: unknown[][][] = [];
  const rpc = {
    call: async <T,>() => '0x' as T,
    batch: async <T,>(_m: string, params: readonly unknown[][]) => {
      batches.push(params.map((p) => [...p]));
      return params.map((p) => ((p[0] as string).endsWith('cc') ? { ok: true as const, result: '0x6080' as T } : (p[0] as string).endsWith('ee') ? { ok: false as const, error: new Error('x') } : { ok: true as const, result: '0x' as T }));
    },
  };
  const g = new DripGuards({ listReloadMs: 0, refuseContracts: true }, rpc, silentLogger(), Date.now, ONE);
  const addrs = [...Array.from({ length: 18 }, (_, i) => '0x' + i.toString(16).padStart(40, 'a')), '0x' + 'c'.repeat(40), '0x' + 'e'.repeat(40)];
  const answers = await Promise.all(addrs.map((a) => g.checkRecipient(a, false)));
  assert.deepEqual(batches.map((b) => b.length), [16, 4], 'one tick, batches of at most 16');
  assert.equal(answers.filter((a) => a === undefined).length, 18);
  assert.equal(answers[18]!.status, 403);
  assert.equal(answers[19]!.status, 503);
  assert.deepEqual(g.contracts, { checked: 20, refused: 1, errors: 1 });
  assert.equal(await g.checkRecipient('0x' + 'c'.repeat(40), true), undefined, 'allow-listed: not even asked');
  assert.equal(batches.length, 2);
});

test('contract checks that arrive while a batch is out wait for the next round (one round at a time)', async () => {
  const { DripGuards } = await import('../../src/faucet/guards.js');
  const sizes: number[] = [];
  let release: () => void = () => {};
  const rpc = {
    call: async <T,>() => '0x' as T,
    batch: async <T,>(_m: string, params: readonly unknown[][]) => {
      sizes.push(params.length);
      if (sizes.length === 1) await new Promise<void>((r) => (release = r));
      return params.map(() => ({ ok: true as const, result: '0x' as T }));
    },
  };
  const g = new DripGuards({ listReloadMs: 0, refuseContracts: true }, rpc, silentLogger(), Date.now, ONE);
  const addr = (i: number) => '0x' + i.toString(16).padStart(40, '0');
  const first = [1, 2, 3].map((i) => g.checkRecipient(addr(i), false));
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  const later = [4, 5].map((i) => g.checkRecipient(addr(i), false));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(sizes, [3], 'the second round waits for the first');
  release();
  assert.deepEqual(await Promise.all([...first, ...later]), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(sizes, [3, 2]);
});
