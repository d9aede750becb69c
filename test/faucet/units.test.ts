// Pure pieces of the faucet: amounts and limits, address checks, client IP with proxies, the
// rate limiter's reservations and memory bound, body parsing, metrics text, keys file parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLimit, parseTokens, formatTokens } from '../../src/faucet/values.js';
import { checkAddress } from '../../src/faucet/address.js';
import { clientIp, ipBucket, normalizeIp } from '../../src/faucet/client-ip.js';
import { DripLimits, LimitTable } from '../../src/faucet/rate-limiter.js';
import { parseDripBody } from '../../src/faucet/body.js';
import { Metrics } from '../../src/faucet/metrics.js';
import { normalizeKey, parseKeysYaml } from '../../src/faucet/keys.js';
import { renderPage, CSP } from '../../src/faucet/page.js';
import { UsageError } from '../../src/core/errors.js';

test('token amounts are exact to 18 decimals', () => {
  assert.equal(parseTokens('amount', '1', false), 10n ** 18n);
  assert.equal(parseTokens('amount', '0.000000000000000001', false), 1n);
  assert.equal(parseTokens('amount', '12.5', false), 12n * 10n ** 18n + 5n * 10n ** 17n);
  assert.equal(parseTokens('min-balance', '0', true), 0n);
  for (const bad of ['', '-1', '1e3', '0.0000000000000000001', 'abc', '1.']) assert.throws(() => parseTokens('amount', bad, false), UsageError, bad);
  assert.throws(() => parseTokens('amount', '0.0', false), /above 0/);
  assert.equal(formatTokens(15n * 10n ** 17n), '1.5');
  assert.equal(formatTokens(2n * 10n ** 18n), '2');
});

test('limits parse N/DURATION or off', () => {
  assert.deepEqual(parseLimit('ip-limit', '1/24h'), { count: 1, windowMs: 86_400_000 });
  assert.deepEqual(parseLimit('ip-limit', '5/90s'), { count: 5, windowMs: 90_000 });
  assert.equal(parseLimit('ip-limit', 'off').count, 0);
  assert.equal(parseLimit('ip-limit', '0').count, 0);
  for (const bad of ['1', '1/', '/1h', '0/1h', '1/500ms', 'x/1h', '1/1y']) assert.throws(() => parseLimit('ip-limit', bad), /--ip-limit/, bad);
});

test('addresses: checksum enforced for mixed case only; zero refused', () => {
  const ok = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  assert.deepEqual(checkAddress(ok), { ok: true, address: ok });
  assert.deepEqual(checkAddress(ok.toLowerCase()), { ok: true, address: ok });
  assert.deepEqual(checkAddress('0x' + ok.slice(2).toUpperCase()), { ok: true, address: ok });
  assert.match((checkAddress(ok.replace('C51', 'c51')) as { error: string }).error, /EIP-55/);
  assert.match((checkAddress('0x' + '0'.repeat(40)) as { error: string }).error, /zero address/);
  assert.match((checkAddress(undefined) as { error: string }).error, /missing/);
  assert.match((checkAddress(42) as { error: string }).error, /missing/);
  assert.match((checkAddress('0X' + ok.slice(2)) as { error: string }).error, /40 hex/);
});

test('client IP: socket unless trusted hops; rightmost first; garbage stops the walk', () => {
  assert.equal(clientIp('::ffff:10.0.0.5', '1.2.3.4', 0), '10.0.0.5');
  assert.equal(clientIp('10.0.0.5', '1.2.3.4, 5.6.7.8', 1), '5.6.7.8');
  assert.equal(clientIp('10.0.0.5', ['1.2.3.4', '5.6.7.8'], 2), '1.2.3.4');
  assert.equal(clientIp('10.0.0.5', '5.6.7.8', 3), '5.6.7.8', 'fewer entries than hops: the leftmost we have');
  assert.equal(clientIp('10.0.0.5', 'evil, 5.6.7.8', 2), '5.6.7.8', 'a non-IP entry is not believed');
  assert.equal(clientIp('10.0.0.5', undefined, 1), '10.0.0.5');
  assert.equal(clientIp(undefined, undefined, 0), 'unknown');
  assert.equal(normalizeIp('[2001:db8::1]:443'), '2001:db8::1');
  assert.equal(normalizeIp('1.2.3.4:80'), '1.2.3.4');
  assert.equal(normalizeIp('nope'), undefined);
  assert.equal(ipBucket('1.2.3.4'), '1.2.3.4');
  assert.equal(ipBucket('2001:db8:1:2:aaaa::1'), '2001:0db8:0001:0002::/64');
  assert.equal(ipBucket('2001:db8:1:2::ffff'), ipBucket('2001:db8:1:2:ffff:ffff:ffff:ffff'));
  assert.equal(ipBucket('::1'), '0000:0000:0000:0000::/64');
});

test('rate limiter: reservations block concurrent requests, release frees, commit charges, window expires', () => {
  const limits = new DripLimits(new LimitTable(parseLimit('ip-limit', '1/1h'), 10), new LimitTable(parseLimit('address-limit', '2/1h'), 10));
  const a = limits.reserve('ip1', 'addr1', 0);
  assert.ok(a.ok);
  const b = limits.reserve('ip1', 'addr2', 0);
  assert.ok(!b.ok && b.limit === 'ip', 'a pending reservation already holds the slot');
  a.release();
  const c = limits.reserve('ip1', 'addr1', 0);
  assert.ok(c.ok);
  c.commit(1000);
  c.release();
  const d = limits.reserve('ip1', 'addr1', 2000);
  assert.ok(!d.ok && d.retryAfterS === 3599);
  assert.ok(limits.reserve('ip1', 'addr1', 3_601_001).ok, 'window over');
});

test('rate limiter memory is bounded: least recently charged keys go first', () => {
  const t = new LimitTable(parseLimit('ip-limit', '1/1h'), 3);
  for (let i = 0; i < 10; i++) {
    t.reserve(`k${i}`);
    t.commit(`k${i}`, i);
  }
  assert.equal(t.size, 3);
  assert.deepEqual(Object.keys(t.snapshot(10)), ['k7', 'k8', 'k9']);
  const off = new LimitTable(parseLimit('ip-limit', 'off'), 3);
  off.reserve('x');
  off.commit('x', 1);
  assert.equal(off.size, 0);
  assert.equal(off.blockedForMs('x', 1), 0);
  const r = new LimitTable(parseLimit('ip-limit', '1/1h'), 2);
  r.restore({ a: [100], b: ['x', 200], c: [300], old: [-5_000_000], bad: 'no' }, 1000);
  assert.deepEqual(Object.keys(r.snapshot(1000)), ['b', 'c']);
});

test('drip bodies: JSON or form, anything else 400', () => {
  assert.deepEqual(parseDripBody('application/json; charset=utf-8', Buffer.from('{"address":"0x1"}')), { ok: true, address: '0x1', challenge: undefined, nonce: undefined });
  assert.deepEqual(parseDripBody('application/json', Buffer.from('{"address":"0x1","challenge":"c","nonce":"5"}')), { ok: true, address: '0x1', challenge: 'c', nonce: '5' });
  assert.deepEqual(parseDripBody('application/x-www-form-urlencoded', Buffer.from('address=0x2&pow_challenge=c&pow_nonce=5')), { ok: true, address: '0x2', challenge: 'c', nonce: '5' });
  assert.deepEqual(parseDripBody('application/x-www-form-urlencoded', Buffer.from('address=0x2&x=1')), { ok: true, address: '0x2', challenge: undefined, nonce: undefined });
  assert.deepEqual(parseDripBody('application/x-www-form-urlencoded', Buffer.from('x=1')), { ok: true, address: undefined, challenge: undefined, nonce: undefined });
  assert.equal((parseDripBody('application/json', Buffer.from('nope')) as { status: number }).status, 400);
  assert.equal((parseDripBody('application/json', Buffer.from('null')) as { status: number }).status, 400);
  assert.equal((parseDripBody(undefined, Buffer.from('{}')) as { status: number }).status, 400);
});

test('metrics text: luxops_faucet_ names, counters, histogram buckets cumulative, RPC by method, wei and tokens gauges, escaped labels', () => {
  const m = new Metrics();
  m.drip('sent');
  m.drip('sent');
  m.request('/drip', 0.003);
  m.request('/drip', 0.2);
  m.rpc('eth_sendRawTransaction', 0.004, undefined);
  m.rpc('eth_sendRawTransaction', 2.5, 'timeout');
  m.rpc('eth_getBalance', 0.001, 'rpc_error');
  m.clientAborts = 3;
  const text = m.render({
    accounts: [{ address: '0xabc', balanceWei: 10n ** 30n + 5n * 10n ** 17n, inFlight: 2, nextNonce: 7, unsettled: 1, resyncs: 2, reconciled: { found: 1 } }],
    rpc: [{ url: 'http://a/"x"', ok: false }],
    limitEntries: { ip: 1, address: 2 },
    stateWriteErrors: 0,
    dripAmountWei: 25n * 10n ** 17n,
  });
  assert.match(text, /^luxops_faucet_drips_total\{outcome="sent"\} 2$/m);
  assert.match(text, /^# TYPE luxops_faucet_drips_total counter$/m);
  assert.match(text, /^luxops_faucet_http_request_duration_seconds_bucket\{route="\/drip",le="0.0025"\} 0$/m);
  assert.match(text, /^luxops_faucet_http_request_duration_seconds_bucket\{route="\/drip",le="0.005"\} 1$/m);
  assert.match(text, /^luxops_faucet_http_request_duration_seconds_bucket\{route="\/drip",le="\+Inf"\} 2$/m);
  assert.match(text, /^luxops_faucet_rpc_request_duration_seconds_count\{method="eth_sendRawTransaction"\} 2$/m);
  assert.match(text, /^luxops_faucet_rpc_request_duration_seconds_bucket\{method="eth_sendRawTransaction",le="0.005"\} 1$/m);
  assert.match(text, /^luxops_faucet_rpc_errors_total\{method="eth_sendRawTransaction",kind="timeout"\} 1$/m);
  assert.match(text, /^luxops_faucet_rpc_errors_total\{method="eth_getBalance",kind="rpc_error"\} 1$/m);
  assert.match(text, /^luxops_faucet_balance_wei\{address="0xabc"\} 1000000000000500000000000000000$/m);
  assert.match(text, /^luxops_faucet_balance_tokens\{address="0xabc"\} 1000000000000.5$/m);
  // the alert's "drips left": balance_tokens / drip_amount_tokens
  assert.match(text, /^luxops_faucet_drip_amount_tokens 2.5$/m);
  assert.match(text, /^luxops_faucet_drip_amount_wei 2500000000000000000$/m);
  assert.match(text, /^luxops_faucet_nonce_in_flight\{address="0xabc"\} 2$/m);
  assert.match(text, /^luxops_faucet_unsettled_transfers\{address="0xabc"\} 1$/m);
  assert.match(text, /^luxops_faucet_reconciled_transfers_total\{result="found"\} 1$/m);
  assert.match(text, /^luxops_faucet_nonce_resyncs_total 2$/m);
  assert.match(text, /^luxops_faucet_client_aborts_total 3$/m);
  assert.match(text, /^luxops_faucet_rpc_up\{endpoint="http:\/\/a\/\\"x\\""\} 0$/m);
  assert.match(text, /^luxops_faucet_rate_limit_entries\{table="address"\} 2$/m);
  assert.doesNotMatch(text, /^faucet_/m, 'every name has the luxops_faucet_ prefix');
});

test('keys: 0x optional, whitespace trimmed, YAML list of key entries, errors never quote the key', () => {
  const k = '59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
  assert.equal(normalizeKey(`  0x${k.toUpperCase()}\n`, 'x'), `0x${k}`);
  assert.deepEqual(parseKeysYaml(`- key: ${k}\n  id: 1\n- key: "0x${k.replace('59', '5a')}"\n- key: 0x${k}1\n`.replace(`0x${k}1`, `0x${k.slice(0, 63)}1`), 'f.yaml'), [`0x${k}`, `0x${k.replace('59', '5a')}`, `0x${k.slice(0, 63)}1`]);
  // unquoted all-digit and 0x keys stay strings (not YAML numbers)
  assert.deepEqual(parseKeysYaml(`- key: ${'1'.repeat(64)}\n- key: 0x${'2'.repeat(64)}\n`, 'f.yaml'), [`0x${'1'.repeat(64)}`, `0x${'2'.repeat(64)}`]);
  for (const [text, re] of [[`key: ${k}`, /non-empty YAML list/], ['[]', /non-empty/], [`- key: [${k}`, /not valid YAML/], [`- key: ${k}x`, /entry 1: not a hex/]] as const) {
    assert.throws(() => parseKeysYaml(text, 'f.yaml'), (e: Error) => re.test(e.message) && !e.message.includes(k.slice(4)), text);
  }
});

test('page escapes what it shows and its CSP hashes the inline code', () => {
  const html = renderPage({ title: 't', networkName: 'n', symbol: 'LUX', amount: '<b>1</b>', faucetAddress: '0x"a', policy: [], pow: false });
  assert.ok(!html.includes('<b>1</b>'));
  assert.ok(html.includes('0x&#34;a'));
  assert.match(CSP, /script-src 'sha256-[A-Za-z0-9+/=]{44}'/);
});
