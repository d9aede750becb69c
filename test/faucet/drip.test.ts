// /drip, /health, /metrics, / and the error routes against a real anvil.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startChain, startTestFaucet, drip, call, randomAddress, waitMined, captureLogger, eventually, ONE } from './helpers.js';
import type { Chain } from './helpers.js';
import type { RunningFaucet } from '../../src/faucet/start.js';

let chain: Chain;
let f: RunningFaucet;
let proxied: RunningFaucet;

before(async () => {
  chain = await startChain();
  f = await startTestFaucet([chain.node.url]);
  proxied = await startTestFaucet([chain.node.url], { trustProxy: 1, accounts: [(await chain.fundedKey(100n * ONE))] });
});
after(async () => {
  await f?.close();
  await proxied?.close();
  await chain?.node.stop();
});

test('a drip raises the recipient balance by the amount and answers the tx hash', async () => {
  const to = randomAddress();
  const r = await drip(f.url, to);
  assert.equal(r.status, 200, r.text);
  assert.match(String(r.json.txHash), /^0x[0-9a-f]{64}$/);
  assert.equal(r.json.address, to);
  assert.equal(r.json.amount, ONE.toString());
  await waitMined(chain.rpc, String(r.json.txHash));
  assert.equal(await chain.balance(to), ONE);
  const tx = await chain.rpc.call<{ gas: string; type: string; to: string }>('eth_getTransactionByHash', [r.json.txHash]);
  assert.equal(BigInt(tx.gas), 21000n);
  assert.equal(tx.type, '0x2');
});

test('second drip from the same IP is 429 with Retry-After; a spoofed X-Forwarded-For changes nothing', async () => {
  const r = await drip(f.url, randomAddress());
  assert.equal(r.status, 429, r.text);
  assert.ok(Number(r.headers['retry-after']) > 86000);
  assert.equal(r.json.retryAfterS, Number(r.headers['retry-after']));
  const spoofed = await drip(f.url, randomAddress(), { 'x-forwarded-for': '203.0.113.7' });
  assert.equal(spoofed.status, 429, 'trust-proxy 0 ignores the header');
});

test('behind one trusted proxy hop each forwarded client has its own limit; refused requests do not consume it', async () => {
  const a = await drip(proxied.url, randomAddress(), { 'x-forwarded-for': '198.51.100.1' });
  assert.equal(a.status, 200, a.text);
  const again = await drip(proxied.url, randomAddress(), { 'x-forwarded-for': '198.51.100.1' });
  assert.equal(again.status, 429);
  // the client may prepend anything; only the entry our proxy appended counts
  const other = await drip(proxied.url, randomAddress(), { 'x-forwarded-for': '198.51.100.1, 198.51.100.2' });
  assert.equal(other.status, 200, other.text);
  // an invalid address from a fresh IP is refused and leaves that IP's slot free
  assert.equal((await drip(proxied.url, '0x1234', { 'x-forwarded-for': '198.51.100.3' })).status, 400);
  assert.equal((await drip(proxied.url, randomAddress(), { 'x-forwarded-for': '198.51.100.3' })).status, 200);
});

test('the address limit holds across IPs', async () => {
  const to = randomAddress();
  assert.equal((await drip(proxied.url, to, { 'x-forwarded-for': '198.51.100.10' })).status, 200);
  const r = await drip(proxied.url, to, { 'x-forwarded-for': '198.51.100.11' });
  assert.equal(r.status, 429);
  assert.match(String(r.json.error), /this address/);
});

test('invalid, zero and bad-checksum addresses, bad JSON and wrong content type are 400', async () => {
  const good = randomAddress();
  const badSum = good.slice(0, 2) + [...good.slice(2)].map((c) => (/[a-f]/.test(c) ? c.toUpperCase() : /[A-F]/.test(c) ? c.toLowerCase() : c)).join('');
  for (const a of ['0x123', 'hello', '0x0000000000000000000000000000000000000000', badSum, '']) {
    const r = await drip(f.url, a);
    assert.equal(r.status, 400, `${a}: ${r.text}`);
    assert.equal(typeof r.json.error, 'string');
  }
  assert.equal((await call(f.url, 'POST', '/drip', '{"address":', { 'content-type': 'application/json' })).status, 400);
  assert.equal((await call(f.url, 'POST', '/drip', '[1]', { 'content-type': 'application/json' })).status, 400);
  const txt = await call(f.url, 'POST', '/drip', `address=${good}`, { 'content-type': 'text/plain' });
  assert.equal(txt.status, 400);
  assert.match(String(txt.json.error), /content type/);
});

test('all-lowercase and all-uppercase addresses need no checksum; form encoding works', async () => {
  const r = await call(proxied.url, 'POST', '/drip', `address=${randomAddress().toLowerCase()}`, { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.20' });
  assert.equal(r.status, 200, r.text);
  const up = '0x' + randomAddress().slice(2).toUpperCase();
  assert.equal((await drip(proxied.url, up, { 'x-forwarded-for': '198.51.100.21' })).status, 200);
});

test('a body over 1 KiB is 413', async () => {
  const big = JSON.stringify({ address: randomAddress(), pad: 'x'.repeat(2000) });
  assert.equal((await call(f.url, 'POST', '/drip', big, { 'content-type': 'application/json' })).status, 413);
});

test('unknown path 404, wrong method 405 with Allow', async () => {
  assert.equal((await call(f.url, 'GET', '/nope')).status, 404);
  const r = await call(f.url, 'GET', '/drip');
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, 'POST');
  assert.equal((await call(f.url, 'POST', '/health')).status, 405);
});

test('public /health is the status only; the admin /health reports chain, addresses, balances, nonces and RPC status', async () => {
  const pub = await call(f.url, 'GET', '/health');
  assert.equal(pub.status, 200, pub.text);
  assert.deepEqual(pub.json, { status: 'ok' });
  const r = await call(f.adminUrl!, 'GET', '/health');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'ok');
  assert.equal(r.json.chainId, 96369);
  const [acct] = r.json.accounts as Array<{ address: string; balanceWei: string; balance: string; nextNonce: number; unsettled: unknown[] }>;
  assert.equal(acct!.address, f.senders[0]!.address);
  assert.equal(BigInt(acct!.balanceWei), await chain.balance(f.senders[0]!.address));
  assert.deepEqual(acct!.unsettled, []);
  assert.deepEqual((r.json.rpc as Array<{ ok: boolean }>).map((x) => x.ok), [true]);
});

test('probes: /livez and /readyz answer 200 on both listeners; /metrics is not on the public one', async () => {
  for (const base of [f.url, f.adminUrl!]) {
    assert.equal((await call(base, 'GET', '/livez')).status, 200);
    assert.equal((await call(base, 'GET', '/readyz')).status, 200);
  }
  assert.equal((await call(f.url, 'GET', '/metrics')).status, 404);
  assert.equal((await call(f.adminUrl!, 'POST', '/drip', '{}')).status, 404, 'the admin listener does not drip');
});

test('admin /metrics is Prometheus text with drips by outcome, latency, RPC by method, balance and nonces', async () => {
  const r = await call(f.adminUrl!, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0.0.4/);
  assert.match(r.text, /^luxops_faucet_drips_total\{outcome="sent"\} [1-9]/m);
  assert.match(r.text, /^luxops_faucet_drips_total\{outcome="limited"\} [1-9]/m);
  assert.match(r.text, /^luxops_faucet_http_request_duration_seconds_bucket\{route="\/drip",le="\+Inf"\} \d+/m);
  assert.match(r.text, /^luxops_faucet_rpc_request_duration_seconds_count\{method="eth_sendRawTransaction"\} [1-9]/m);
  assert.match(r.text, /^luxops_faucet_balance_wei\{address="0x[0-9a-fA-F]{40}"\} \d+/m);
  assert.match(r.text, /^luxops_faucet_balance_tokens\{address="0x[0-9a-fA-F]{40}"\} [\d.]+$/m);
  assert.match(r.text, /^luxops_faucet_nonce_in_flight\{address="0x[0-9a-fA-F]{40}"\} 0$/m);
  assert.match(r.text, /^luxops_faucet_next_nonce\{address="0x[0-9a-fA-F]{40}"\} 1$/m);
  assert.match(r.text, /^luxops_faucet_rpc_up\{endpoint="http:\/\/127.0.0.1:\d+"\} 1$/m);
});

test('GET / is a self-contained page with a strict CSP', async () => {
  const r = await call(f.url, 'GET', '/');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /text\/html/);
  assert.doesNotMatch(r.text, /(src|href)=["']?(https?:)?\/\//i, 'no external assets');
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'/);
  assert.match(r.text, /chain ID 96369/);
});

test('a client that never finishes its headers is cut off and does not block others', async () => {
  const slow = await startTestFaucet([chain.node.url], { requestTimeoutMs: 1000 });
  try {
    const sock = connect(slow.port, '127.0.0.1');
    sock.write('POST /drip HTTP/1.1\r\nHost: x\r\n');
    const closed = new Promise<void>((res) => sock.on('close', () => res()));
    sock.on('error', () => {});
    // read what the server says (a 408) so the end of the stream, and then close, are seen
    let said = '';
    sock.on('data', (d: Buffer) => (said += d.toString()));
    assert.equal((await call(slow.url, 'GET', '/health')).status, 200);
    // bounded: the test runner's own timeout ends this if the server never closes the socket
    await closed;
    assert.match(said, /^HTTP\/1.1 408/);
  } finally {
    await slow.close();
  }
});

test('drips to the faucet\'s own address are refused (400) and charge nothing', async () => {
  const own = proxied.senders[0]!.address;
  for (const a of [own, own.toLowerCase(), '0x' + own.slice(2).toUpperCase()]) {
    const r = await drip(proxied.url, a, { 'x-forwarded-for': '198.51.100.31' });
    assert.equal(r.status, 400, r.text);
    assert.match(String(r.json.error), /faucet's own address/);
  }
  assert.equal((await drip(proxied.url, randomAddress(), { 'x-forwarded-for': '198.51.100.31' })).status, 200, 'the refused request left the IP its slot');
});

/** Send raw HTTP/1.1 on a fresh socket; resolves with everything the server said until it closed or `untilMs` passed. */
function rawHttp(port: number, head: string, body = '', untilMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let said = '';
    const done = () => {
      clearTimeout(t);
      sock.destroy();
      resolve(said);
    };
    const t = setTimeout(done, untilMs);
    sock.on('data', (d: Buffer) => {
      said += d.toString();
      // a client honouring Expect sends its body only after 100 Continue
      if (body && said.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !sock.writableEnded) sock.end(body);
    });
    sock.on('close', done);
    sock.on('error', () => undefined);
    sock.write(head);
  });
}

test('Expect: 100-continue with an oversized Content-Length gets 413 at once, never 100 Continue', async () => {
  const big = await rawHttp(f.port, 'POST /drip HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000\r\nExpect: 100-continue\r\n\r\n');
  assert.match(big, /^HTTP\/1.1 413 /);
  assert.doesNotMatch(big, /100 Continue/);
  // a small body still gets its 100 Continue and is served
  const body = JSON.stringify({ address: '0x123' });
  const small = await rawHttp(f.port, `POST /drip HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`, body);
  assert.match(small, /^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 400 /);
});

test('200 clients aborting mid-body: counted in metrics, logged at debug only', async () => {
  const cap = captureLogger();
  const g = await startTestFaucet([chain.node.url], { log: cap.log });
  try {
    await Promise.all(Array.from({ length: 200 }, () => new Promise<void>((resolve) => {
      const sock = connect(g.port, '127.0.0.1');
      sock.on('error', () => undefined);
      sock.write('POST /drip HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"address":"0x', () => setTimeout(() => (sock.destroy(), resolve()), 20));
    })));
    await eventually(() => g.metrics.clientAborts >= 200, '200 aborts counted');
    assert.equal(g.metrics.clientAborts, 200);
    const loud = cap.lines().filter((l) => l.level === 'error' || l.level === 'warn');
    assert.deepEqual(loud, [], 'no error or warning lines for client aborts');
    assert.ok(cap.lines().filter((l) => l.level === 'debug' && /client went away/.test(String(l.msg))).length >= 1);
    const m = await call(g.adminUrl!, 'GET', '/metrics');
    assert.match(m.text, /^luxops_faucet_client_aborts_total 200$/m);
  } finally {
    await g.close();
  }
});
