// Transient S3/KMS failures: throttling, 5xx, refused connections and stalled requests retry with
// bounded backoff (count and total time); non-transient errors and aborts are never retried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { signerDownloaderCommand } from '../../src/signer-downloader/command.js';
import { captureDeps } from '../helpers/deps.js';
import { BLS_SK as SK, AWS_ENV, awsArgs, listAll, sealedFixture, startKms, startS3, tempDir } from './fixtures.js';
import type { FakeKms, S3Fixture } from './fixtures.js';

let s3: S3Fixture;
let kms: FakeKms;
let proxy: Server;
let proxyUrl: string;
/** how many upcoming S3 requests the proxy answers 503 SlowDown */
const s3Faults = { slowDown: 0, seen: 0 };
const servers: Server[] = [];
const dirs: string[] = [];

function forward(req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(s3.endpoint);
  // the Host header is forwarded unchanged, so s3rver verifies the same SigV4 signature the SDK made
  const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}

before(async () => {
  s3 = await startS3();
  kms = await startKms();
  await s3.put('signer/3.key', await sealedFixture(kms.url, SK));
  proxy = createServer((req, res) => {
    s3Faults.seen++;
    if (s3Faults.slowDown > 0) {
      s3Faults.slowDown--;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
after(async () => {
  for (const s of [proxy, ...servers]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
  await s3?.close();
  await kms?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(extra: Record<string, string>, deps = captureDeps()) {
  const dir = tempDir('tr-out-');
  dirs.push(dir);
  const argv = awsArgs(s3, kms, { 's3-key': 'signer/{ordinal}.key', 'key-path': join(dir, 'signer.key'), 's3-endpoint': proxyUrl, ...extra });
  const code = await signerDownloaderCommand.main(argv, AWS_ENV, deps);
  return { code, deps, dir, error: deps.logs().find((l) => l.level === 'error') as { code?: string; msg?: string } | undefined };
}

test('KMS throttling twice, then success: retried, logged, key written', async () => {
  kms.faults.throttle = 2;
  const before = kms.calls.length;
  const r = await run({});
  assert.equal(r.code, 0, r.deps.err());
  const calls = kms.calls.slice(before);
  assert.deepEqual(calls.map((c) => c.error ?? c.status), ['ThrottlingException', 'ThrottlingException', 200]);
  assert.equal(r.deps.logs().filter((l) => l.code === 'E_KMS_RETRY').length, 2);
  assert.deepEqual(listAll(r.dir), ['signer.key']);
});

test('KMS 500 once, then success', async () => {
  kms.faults.fail500 = 1;
  const r = await run({});
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(r.deps.logs().filter((l) => l.code === 'E_KMS_RETRY').length, 1);
});

test('KMS throttling beyond the budget: exit 1 E_KMS_UNAVAILABLE after retries+1 attempts, nothing written', async () => {
  kms.faults.throttle = 100;
  const before = kms.calls.length;
  const r = await run({ retries: '2' });
  kms.faults.throttle = 0;
  assert.equal(r.code, 1);
  assert.equal(r.error?.code, 'E_KMS_UNAVAILABLE');
  assert.match(r.error?.msg ?? '', /^KMS unavailable for kms:Decrypt: ThrottlingException \(HTTP 400\): Rate exceeded$/);
  assert.equal(kms.calls.length - before, 3);
  assert.deepEqual(listAll(r.dir), []);
});

test('S3 503 SlowDown twice, then success', async () => {
  s3Faults.slowDown = 2;
  const r = await run({});
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(r.deps.logs().filter((l) => l.code === 'E_S3_RETRY').length, 2);
});

test('S3 503 beyond the budget: exit 1 E_S3_UNAVAILABLE, bounded attempts', async () => {
  s3Faults.slowDown = 100;
  const seen = s3Faults.seen;
  const r = await run({ retries: '1' });
  s3Faults.slowDown = 0;
  assert.equal(r.code, 1);
  assert.equal(r.error?.code, 'E_S3_UNAVAILABLE');
  assert.match(r.error?.msg ?? '', /^S3 unavailable for s3:GetObject s3:\/\/b\/signer\/3\.key: SlowDown \(HTTP 503\)/);
  assert.equal(s3Faults.seen - seen, 2);
  assert.deepEqual(listAll(r.dir), []);
});

test('S3 endpoint refusing connections: exit 1 E_S3_UNAVAILABLE after bounded retries', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));
  const r = await run({ 's3-endpoint': `http://127.0.0.1:${port}`, retries: '1' });
  assert.equal(r.code, 1);
  assert.equal(r.error?.code, 'E_S3_UNAVAILABLE');
  assert.equal(r.deps.logs().filter((l) => l.code === 'E_S3_RETRY').length, 1);
});

test('stalled S3 request: the per-request timeout fires and is retried, then E_S3_UNAVAILABLE', async () => {
  let hits = 0;
  const stall = createServer((req) => {
    hits++;
    req.resume(); // never answer
  });
  servers.push(stall);
  await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
  const r = await run({ 's3-endpoint': `http://127.0.0.1:${(stall.address() as { port: number }).port}`, retries: '1', 'request-timeout': '300ms' });
  assert.equal(r.code, 1);
  assert.equal(r.error?.code, 'E_S3_UNAVAILABLE');
  assert.equal(hits, 2);
});

test('shutdown while waiting on a stalled S3 request: aborted, no retry', async () => {
  let hits = 0;
  const stall = createServer((req) => {
    hits++;
    req.resume();
  });
  servers.push(stall);
  await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
  const deps = captureDeps();
  const timer = setTimeout(() => deps.shutdown(), 200);
  const r = await run({ 's3-endpoint': `http://127.0.0.1:${(stall.address() as { port: number }).port}`, retries: '5', 'request-timeout': '20s' }, deps);
  clearTimeout(timer);
  assert.equal(r.code, 1);
  assert.ok(deps.logs().some((l) => l.code === 'E_ABORTED'), deps.err());
  assert.equal(hits, 1);
  assert.deepEqual(listAll(r.dir), []);
});
