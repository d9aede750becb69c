// The bulk-data HTTP path: chunked decoding split anywhere, redirects, framing errors, and the
// scanner's contract that callers may reuse their buffers (the raw reader and verifier do).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkedDecoder } from '../../src/objects/chunked-decoder.js';
import { rawGet } from '../../src/objects/raw-get.js';
import { RlpBlockScanner } from '../../src/rlp-import/rlp-scan.js';
import { rlpImportCommand } from '../../src/rlp-import/command.js';
import { buildChain, sha256hex } from './rlp-fixture.js';
import { runMain, errorLine } from './helpers.js';

function decodeAll(wire: Buffer, cut: number): Buffer {
  const d = new ChunkedDecoder();
  const out: Buffer[] = [];
  for (let i = 0; i < wire.length; i += cut) d.push(wire.subarray(i, i + cut), (s) => void out.push(Buffer.from(s)));
  assert.ok(d.done);
  return Buffer.concat(out);
}

test('chunked decoder: any split of the wire bytes gives the body; bad framing throws', () => {
  const wire = Buffer.from('5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: y\r\n\r\n');
  for (const cut of [1, 2, 3, 7, wire.length]) assert.equal(decodeAll(wire, cut).toString(), 'helloabcdefghijklmnopqrstuvwxyz');
  assert.throws(() => new ChunkedDecoder().push(Buffer.from('zz\r\n'), () => undefined), /bad chunk size/);
  assert.throws(() => new ChunkedDecoder().push(Buffer.from('1\r\nab'), () => undefined), /missing CRLF/);
  assert.throws(() => new ChunkedDecoder().push(Buffer.alloc(5000, 0x31), () => undefined), /line too long/);
});

test('the scanner copies what it keeps: a reused input buffer does not corrupt the scan', () => {
  const chain = buildChain(1, 500);
  const s = new RlpBlockScanner();
  const buf = Buffer.alloc(777);
  for (let off = 0; off < chain.length; off += 777) {
    const n = chain.copy(buf, 0, off, off + 777);
    s.push(buf.subarray(0, n));
    buf.fill(0xaa);
  }
  assert.equal(s.finish().lastBlock, 500);
});

async function server(t: { after(fn: () => unknown): void }, handler: http.RequestListener): Promise<string> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(r)));
  return `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
}

test('redirects are followed (relative and absolute) by the HEAD and the GET, then the body lands in the file', async (t) => {
  const chain = buildChain(1, 300);
  const seen: string[] = [];
  const base = await server(t, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/moved/x.rlp') return res.writeHead(302, { location: '/moved2/x.rlp' }).end();
    if (req.url === '/moved2/x.rlp') return res.writeHead(307, { location: `${base}/final/x.rlp` }).end();
    if (req.url === '/final/x.rlp') return res.writeHead(200, { 'content-length': chain.length, 'accept-ranges': 'bytes', etag: '"v1"' }).end(chain);
    // the checksums file moved too: --checksums-url follows redirects like the parts do
    if (req.url === '/sums') return res.writeHead(301, { location: '/final/SHA256SUMS' }).end();
    if (req.url === '/final/SHA256SUMS') return res.writeHead(200).end(`${sha256hex(chain)}  x.rlp\n`);
    res.writeHead(404).end();
  });
  const dir = mkdtempSync(join(tmpdir(), 'rlp-redir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { code, deps } = await runMain(rlpImportCommand, ['--base-url', `${base}/moved`, '--file', 'x.rlp', '--dest-dir', dir, '--download-only', '--checksums-url', `${base}/sums`]);
  assert.equal(code, 0, deps.err());
  assert.ok(readFileSync(join(dir, 'x.rlp')).equals(chain));
  assert.deepEqual(deps.logs().find((l) => l.msg === 'download complete')?.verified, ['sha256', 'rlp-structure']);
  for (const m of ['HEAD', 'GET']) assert.deepEqual(seen.filter((l) => l.startsWith(m) && l.includes('x.rlp')), [`${m} /moved/x.rlp`, `${m} /moved2/x.rlp`, `${m} /final/x.rlp`]);
  // a redirect loop is bounded, and the error names the request
  const loop = await server(t, (req, res) => res.writeHead(302, { location: req.url! }).end());
  const l = await runMain(rlpImportCommand, ['--base-url', loop, '--file', 'x.rlp', '--dest-dir', dir, '--download-only', '--retries', '0']);
  assert.equal(l.code, 1);
  assert.match(String(errorLine(l.deps, 'E_TOO_MANY_REDIRECTS')?.msg), /\[HEAD\] "http:\/\/127\.0\.0\.1:\d+\/x\.rlp": more than 5 redirects/);
});

test('raw HEAD: the response ends with its head (no body read, whatever Content-Length says)', async (t) => {
  const lines: string[] = [];
  const srv = net.createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', (d) => {
      lines.push(String(d).split('\r\n')[0]!);
      // keep the socket open: a HEAD that waited for 5000 body bytes would hang here
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nETag: "e"\r\n\r\n');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(r)));
  const url = new URL(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/f?x=1`);
  let head: Record<string, string> | undefined;
  let data = 0;
  await rawGet(url, { head: (_s, h) => void (head = { ...h }), data: (c) => void (data += c.length) }, { method: 'HEAD', signal: new AbortController().signal });
  assert.deepEqual(lines, ['HEAD /f?x=1 HTTP/1.1']);
  assert.equal(head?.['content-length'], '5000');
  assert.equal(head?.etag, '"e"');
  assert.equal(data, 0);
});

test('raw GET: a non-HTTP answer and a head without end are network errors', async (t) => {
  const srv = net.createServer((s) => s.on('error', () => undefined).resume().end('SSH-2.0-OpenSSH\r\n\r\n'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(r)));
  const url = new URL(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/f`);
  const sink = { head() {}, data: () => true };
  await assert.rejects(rawGet(url, sink, { signal: new AbortController().signal }), (e: Error & { code?: string }) => e.code === 'E_HTTP_NETWORK' && /not an HTTP\/1\.1 response/.test(e.message));
  // the server reads (resume) so it sees the client's close, and never ends its endless head
  const huge = net.createServer((s) => {
    s.on('error', () => undefined).resume();
    s.write('HTTP/1.1 200 OK\r\n' + 'X: y\r\n'.repeat(20_000));
  });
  await new Promise<void>((r) => huge.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => huge.close(r)));
  const u2 = new URL(`http://127.0.0.1:${(huge.address() as net.AddressInfo).port}/f`);
  await assert.rejects(rawGet(u2, sink, { signal: new AbortController().signal }), /larger than 64 KiB/);
  const ac = new AbortController();
  const p = rawGet(u2, sink, { signal: ac.signal });
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
});

test('raw GET: an error the sink throws (a failed write: a plain Error with an errno) passes through unwrapped', async (t) => {
  const srv = http.createServer((_req, res) => res.end(Buffer.alloc(100_000, 1)));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(r)));
  const url = new URL(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/f`);
  const disk = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const sink = {
    head() {},
    data() {
      throw disk;
    },
  };
  await assert.rejects(rawGet(url, sink, { signal: new AbortController().signal }), (e: unknown) => e === disk);
});
