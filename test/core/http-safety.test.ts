// The shared HTTP clients against hostile or careless peers: URLs with credentials never reach an
// error message (redaction at the source), answers are capped (a server streaming without end
// costs at most the cap), userinfo becomes Basic auth (undici would drop it), and a failure says
// whether the request may have reached the server. Real servers on 127.0.0.1 port 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactUrl, scrubUrlSecrets } from '../../src/core/redact-url.js';
import { createJsonRpcClient, httpText, HttpNetworkError, HttpStatusError, JsonRpcError, ResponseTooLargeError } from '../../src/core/http.js';
import { lightHttpText } from '../../src/core/node-http.js';
import { redactConfig } from '../../src/core/options.js';
import { freePort } from '../../src/faucet/dev-node.js';

const PASS = 'hunter2pass';
const KEY = 'K3YK3YK3Y';
let server: Server;
let base: string;
let streamed = 0;
let lastAuth: string | undefined;
let lastUrl: string | undefined;

before(async () => {
  server = createServer((req, res) => {
    lastAuth = req.headers.authorization;
    lastUrl = req.url;
    const path = (req.url ?? '').split('?')[0];
    if (path === '/endless') {
      // 64 KiB chunks until the client goes away (bounded: 1 GiB)
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      res.writeHead(200, { 'content-type': 'application/json' });
      const pump = () => {
        while (streamed < 1024 ** 3 && !res.destroyed) {
          streamed += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => undefined);
      return pump();
    }
    if (path === '/declared') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(300 * 1024 * 1024) });
      return res.write('{"jsonrpc":"2.0"');
    }
    if (path === '/echo-error') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: `invalid api key ${KEY} for user:${PASS}` } }));
    }
    if (path === '/status') {
      res.writeHead(502);
      return res.end(`upstream said ${KEY}`);
    }
    if (path === '/hang') return; // never answers
    if (path === '/reset') return req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"jsonrpc":"2.0","id":1,"result":"0x1"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const secretUrl = (path: string) => `http://alice:${PASS}@${base}${path}?apikey=${KEY}&chain=c`;
const noSecrets = (s: string) => !s.includes(PASS) && !s.includes(KEY);

test('redactUrl masks userinfo and query values, keeps the rest; scrub masks echoes', () => {
  assert.equal(redactUrl(`https://u:${PASS}@rpc.example:8545/v1/rpc?apikey=${KEY}&x=1#frag`), 'https://***@rpc.example:8545/v1/rpc?apikey=***&x=***');
  assert.equal(redactUrl('http://luxd:9630/ext/bc/C/rpc'), 'http://luxd:9630/ext/bc/C/rpc');
  assert.equal(redactUrl(`not a url ${KEY}`), '[invalid url]');
  const raw = `http://u:p%40ss@h/x?k=${KEY}`;
  assert.equal(scrubUrlSecrets(`failed at ${raw}: key ${KEY}, password p@ss`, raw), 'failed at http://***@h/x?k=***: key ***, password ***');
});

test('errors built from a URL carry only its redacted form: status, JSON-RPC echo, timeout, refused', async () => {
  const status = await createJsonRpcClient(secretUrl('/status')).call('eth_chainId').catch((e: unknown) => e);
  assert.ok(status instanceof HttpStatusError, String(status));
  assert.ok(noSecrets(status.message) && noSecrets(status.body), status.message + status.body);
  assert.match(status.message, /"http:\/\/\*\*\*@127\.0\.0\.1:\d+\/status\?apikey=\*\*\*&chain=\*\*\*": 502/);
  const echo = await createJsonRpcClient(secretUrl('/echo-error')).call('eth_chainId').catch((e: unknown) => e);
  assert.ok(echo instanceof JsonRpcError);
  assert.ok(noSecrets(echo.message) && noSecrets(echo.rpcMessage), echo.message);
  const slow = await createJsonRpcClient(secretUrl('/hang'), { timeoutMs: 200 }).call('eth_chainId').catch((e: unknown) => e);
  assert.ok(slow instanceof HttpNetworkError && slow.timedOut && noSecrets(slow.message), String(slow));
  const dead = `http://alice:${PASS}@127.0.0.1:${await freePort()}/?apikey=${KEY}`;
  const refused = await createJsonRpcClient(dead).call('eth_chainId').catch((e: unknown) => e);
  assert.ok(refused instanceof HttpNetworkError && noSecrets(refused.message), String(refused));
  const light = await lightHttpText('GET', dead, undefined).catch((e: unknown) => e);
  assert.ok(light instanceof HttpNetworkError && noSecrets(light.message), String(light));
});

test('a failure says whether the request may have reached the server', async () => {
  const refused = await httpText('POST', `http://127.0.0.1:${await freePort()}/`, '{}').catch((e: unknown) => e);
  assert.ok(refused instanceof HttpNetworkError && refused.maybeDelivered === false, 'connection refused: never sent');
  const slow = await httpText('POST', `http://${base}/hang`, '{}', { timeoutMs: 200 }).catch((e: unknown) => e);
  assert.ok(slow instanceof HttpNetworkError && slow.maybeDelivered === true, 'timed out after sending: maybe');
  const reset = await httpText('POST', `http://${base}/reset`, '{}').catch((e: unknown) => e);
  assert.ok(reset instanceof HttpNetworkError && reset.maybeDelivered === true, `reset after sending: maybe (${String(reset)})`);
});

test('answers are capped: an endless stream and a huge Content-Length fail fast with E_HTTP_TOO_LARGE', async () => {
  streamed = 0;
  const rss0 = process.memoryUsage().rss;
  const endless = await createJsonRpcClient(`http://${base}/endless`).call('eth_chainId').catch((e: unknown) => e);
  assert.ok(endless instanceof ResponseTooLargeError && endless.code === 'E_HTTP_TOO_LARGE' && endless.maybeDelivered, String(endless));
  // the server stops being read right after the cap (socket buffers aside), not at 1 GiB
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(streamed < 64 * 1024 * 1024, `server streamed ${streamed} bytes`);
  assert.ok(process.memoryUsage().rss - rss0 < 200 * 1024 * 1024);
  const declared = await httpText('POST', `http://${base}/declared`, '{}').catch((e: unknown) => e);
  assert.ok(declared instanceof ResponseTooLargeError, String(declared));
  const bigger = await httpText('GET', `http://${base}/`, undefined, { maxResponseBytes: 10 }).catch((e: unknown) => e);
  assert.ok(bigger instanceof ResponseTooLargeError && /over 10 bytes/.test(bigger.message));
  streamed = 0;
  const light = await lightHttpText('GET', `http://${base}/endless`, undefined).catch((e: unknown) => e);
  assert.ok(light instanceof ResponseTooLargeError, String(light));
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(streamed < 64 * 1024 * 1024, `server streamed ${streamed} bytes to the light client`);
});

test('user:pass@ in a URL is sent as Basic auth, not dropped; the request line has no userinfo', async () => {
  assert.equal(await createJsonRpcClient(`http://al%40ice:${PASS}@${base}/rpc`).call('eth_chainId'), '0x1');
  assert.equal(lastAuth, `Basic ${Buffer.from(`al@ice:${PASS}`).toString('base64')}`);
  assert.equal(lastUrl, '/rpc');
});

test('--check output (redactConfig) redacts URL values, in lists too', () => {
  const shown = redactConfig([{ name: 'rpc-url', type: 'list', help: '' }, { name: 'base-url', type: 'url', help: '' }, { name: 'name', type: 'string', help: '' }], {
    rpcUrl: [secretUrl('/a'), 'http://plain/'],
    baseUrl: `https://bucket.example/x?X-Amz-Signature=${KEY}`,
    name: 'n',
  });
  assert.ok(noSecrets(JSON.stringify(shown)), JSON.stringify(shown));
  assert.deepEqual((shown.rpcUrl as string[])[1], 'http://plain/');
  assert.equal(shown.baseUrl, 'https://bucket.example/x?X-Amz-Signature=***');
});
