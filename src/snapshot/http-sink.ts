// snapshot-create's HTTP(S) target: one PUT with a chunked body (the archive's length is not known
// before it is written), `Expect: 100-continue` so a server that refuses (401, 403, 413) says so
// before gigabytes are sent, then a small PUT of `<path>.sha256`. A stream cannot be replayed, so
// a failed archive PUT fails the run (rerun it); the checksum is published only after the archive
// PUT succeeded, so a server that kept a partial body never has a checksum that matches it.
// Redirects are not followed for uploads (the body would have to be sent twice): use the final URL.
import http from 'node:http';
import https from 'node:https';
import { Transform, pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { LuxopsError, errorMessage } from '../core/errors.js';
import { checksumUrlOf, redactUrl } from './sink.js';
import type { SinkOptions, SnapshotSink, UploadResult } from './sink.js';

// how long to wait for "100 Continue" before sending anyway (curl waits 1 s too)
const CONTINUE_WAIT_MS = 1000;
// no byte accepted or answered for this long: the connection is dead
const IDLE_TIMEOUT_MS = 300_000;

interface PutAnswer {
  status: number;
  etag?: string;
  body: string;
}

function put(url: URL, body: Readable | Buffer, contentType: string, signal: AbortSignal, onSent?: (n: number) => void): Promise<PutAnswer> {
  const mod = url.protocol === 'https:' ? https : http;
  const streaming = !Buffer.isBuffer(body);
  const headers: Record<string, string> = {
    'content-type': contentType,
    ...(streaming ? { 'transfer-encoding': 'chunked', expect: '100-continue' } : { 'content-length': String(body.length) }),
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const req = mod.request(url, { method: 'PUT', headers, signal });
    const onAbort = () => finish(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no progress for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        if ((n += c.length) <= 4096) chunks.push(c);
      });
      res.on('end', () => {
        const answer = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 300), ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}) };
        // an answer before the whole body was sent ends the upload (a refusal, or a server that gave up)
        if (streaming && !sentAll) (body as Readable).destroy();
        finish(() => resolve(answer));
      });
      res.on('error', (e) => finish(() => reject(e)));
    });
    req.on('error', (e) => finish(() => reject(e)));
    let sentAll = false;
    if (!streaming) {
      sentAll = true;
      req.end(body);
      return;
    }
    let started = false;
    const start = () => {
      if (started || settled) return;
      started = true;
      const count = new Transform({
        transform(chunk: Buffer, _e, cb) {
          onSent?.(chunk.length);
          cb(null, chunk);
        },
      });
      // errors reach the callback; an early answer destroys the chain and must not leave an unhandled one
      count.on('error', () => undefined);
      pipeline(body as Readable, count, req, (e) => {
        if (e) finish(() => reject(e));
        else sentAll = true;
      });
    };
    req.on('continue', start);
    const t = setTimeout(start, CONTINUE_WAIT_MS);
    req.on('close', () => clearTimeout(t));
    req.flushHeaders();
  });
}

function failure(what: string, url: URL, a: PutAnswer): LuxopsError {
  const hint = a.status >= 300 && a.status < 400 ? ' (redirects are not followed for uploads: use the final URL)' : '';
  return new LuxopsError('E_UPLOAD_FAILED', `${what} ${redactUrl(url.toString())} answered HTTP ${a.status}${hint}${a.body ? `: ${a.body.split('\n')[0]}` : ''}`, { details: { status: a.status } });
}

export function createHttpSink(to: string, o: SinkOptions): SnapshotSink {
  const url = new URL(to);
  const checksumUrl = new URL(checksumUrlOf(to));
  return {
    describe: redactUrl(url.toString()),
    describeChecksum: redactUrl(checksumUrl.toString()),
    async upload(body, signal, onSent): Promise<UploadResult> {
      let sent = 0;
      let a: PutAnswer;
      try {
        a = await put(url, body, o.contentType, signal, (n) => onSent((sent += n)));
      } catch (e) {
        if (signal.aborted) throw signal.reason ?? e;
        // the archive stream's own failure (source changed...) is the real error
        if (e instanceof LuxopsError) throw e;
        throw new LuxopsError('E_UPLOAD_FAILED', `PUT ${redactUrl(url.toString())} failed after ${sent} bytes: ${errorMessage(e)}`, { cause: e });
      }
      if (a.status < 200 || a.status >= 300) throw failure('PUT', url, a);
      return { parts: 1, ...(a.etag ? { etag: a.etag } : {}) };
    },
    async putChecksum(text, signal) {
      let a: PutAnswer | undefined;
      let lastErr: unknown;
      // small and idempotent: retried on network errors and 5xx
      for (let attempt = 0; attempt < 4; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
        try {
          a = await put(checksumUrl, Buffer.from(text), 'text/plain; charset=utf-8', signal);
          if (a.status < 500) break;
        } catch (e) {
          if (signal.aborted) throw signal.reason ?? e;
          lastErr = e;
          a = undefined;
        }
      }
      if (a === undefined) throw new LuxopsError('E_UPLOAD_FAILED', `the archive is uploaded, but PUT ${redactUrl(checksumUrl.toString())} failed: ${errorMessage(lastErr)}`);
      if (a.status < 200 || a.status >= 300) throw failure('the archive is uploaded, but the checksum PUT', checksumUrl, a);
    },
    async close() {
      // node:http's global agent keeps nothing open for a PUT that ended
    },
  };
}
