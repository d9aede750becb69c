// The bulk-data GET: a minimal HTTP/1.1 client over net/tls that reads into ONE reused buffer
// (`onread`) and hands each slice to a sink synchronously. undici allocates a buffer per socket read
// and runs it through a stream; on 1 GiB that measured ~6x the CPU and twice the RSS of this path
// (bench/rlp-fetch.mjs), which is why only part downloads use it. Control requests stay on undici.
// Scope: one GET (or HEAD) per connection (`Connection: close`), Content-Length, chunked, or
// read-to-close bodies; redirects are followed by the caller. HEADs go through it too, so a
// download-only run never loads undici (0.29-0.35 s -> 0.12-0.13 s for a small run of the executable).
import net from 'node:net';
import tls from 'node:tls';
import { HttpNetworkError } from '../core/http-errors.js';
import { ChunkedDecoder, FramingError } from './chunked-decoder.js';
import { redactUrl } from '../core/redact-url.js';

/**
 * Receives the body; `data` is only valid during the call (the sink writes or copies it before
 * returning). `data` returning false pauses reading until `RawGetOptions.control.resume()`.
 */
export interface RawSink {
  head(status: number, headers: Readonly<Record<string, string>>): void;
  data(chunk: Buffer): void | boolean;
}

/** Flow control for a sink that cannot always take more (filled in by rawGet). */
export interface RawFlow {
  resume?: () => void;
}

export interface RawGetOptions {
  /** HEAD: the response ends with its head, whatever Content-Length says (default GET) */
  readonly method?: 'GET' | 'HEAD';
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** silence on the socket before it counts as dropped (default 5 min) */
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** rawGet sets `resume` here; a sink whose `data` returned false calls it to read on */
  readonly control?: RawFlow;
}

// one read(2) takes up to this much of what the socket has buffered; the sink writes each read as is
const READ_BUFFER = 256 << 10;
const MAX_HEAD = 64 << 10;
// read buffers of finished requests, reused: a restore makes a request per range, and a fresh
// 256 KiB buffer each time was garbage the GC only collects later (peak RSS)
const spare: Buffer[] = [];

/** GET `url` and stream the body into `sink`; resolves when the body is complete. */
export function rawGet(url: URL, sink: RawSink, o: RawGetOptions): Promise<void> {
  const method = o.method ?? 'GET';
  const fail = (e: unknown, timedOut = false) => new HttpNetworkError(method, redactUrl(url.href), e, timedOut);
  return new Promise<void>((resolve, reject) => {
    if (o.signal.aborted) return reject(o.signal.reason);
    const https = url.protocol === 'https:';
    const port = Number(url.port || (https ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const readBuf = spare.pop() ?? Buffer.allocUnsafe(READ_BUFFER);
    let head: Buffer | undefined = Buffer.alloc(0);
    let remaining: number | undefined; // Content-Length bytes still due
    let chunked: ChunkedDecoder | undefined;
    let done = false;
    let received = 0;
    // set when the sink asked for a pause: reading stops after this socket read
    let paused = false;
    const idleMs = o.idleTimeoutMs ?? 300_000;

    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      o.signal.removeEventListener('abort', onAbort);
      clearTimeout(connectTimer);
      socket.destroy();
      // nothing reads into it once the socket is destroyed, and sinks never keep a slice
      if (spare.length < 16) spare.push(readBuf);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onAbort = () => finish(o.signal.reason);
    const deliver = (slice: Buffer): void => {
      if (slice.length === 0) return;
      received += slice.length;
      if (sink.data(slice) === false) paused = true;
    };
    /** Body bytes in `b`; false once the body is complete (reading stops). */
    const body = (b: Buffer): boolean => {
      if (chunked) {
        chunked.push(b, deliver);
        if (chunked.done) finish();
      } else if (remaining === undefined) deliver(b);
      else {
        const take = b.subarray(0, Math.min(b.length, remaining));
        remaining -= take.length;
        deliver(take);
        if (remaining === 0) finish();
      }
      return !done;
    };
    // a paused socket is silent by our choice, not the server's: no idle timeout meanwhile
    const pause = (): boolean => {
      if (!paused || done) return !done;
      socket.setTimeout(0);
      return false;
    };
    if (o.control) {
      o.control.resume = () => {
        if (!paused || done) return;
        paused = false;
        socket.setTimeout(idleMs);
        socket.resume();
      };
    }
    const onRead = (n: number): boolean => {
      if (done) return false;
      try {
        const b = readBuf.subarray(0, n);
        if (head === undefined) return body(b) && pause();
        head = Buffer.concat([head, b]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) {
          if (head.length > MAX_HEAD) throw new FramingError('response head larger than 64 KiB');
          return true;
        }
        const rest = head.subarray(end + 4);
        const text = head.subarray(0, end).toString('latin1');
        head = undefined;
        const [statusLine, ...lines] = text.split('\r\n');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
        if (!m) throw new FramingError(`not an HTTP/1.1 response: ${JSON.stringify((statusLine ?? '').slice(0, 40))}`);
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        const status = Number(m[1]);
        sink.head(status, headers);
        if (method === 'HEAD') {
          finish();
          return false;
        }
        if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) chunked = new ChunkedDecoder();
        else if (headers['content-length'] !== undefined) {
          if (!/^\d+$/.test(headers['content-length'])) throw new FramingError(`bad Content-Length ${JSON.stringify(headers['content-length'])}`);
          remaining = Number(headers['content-length']);
          if (remaining === 0) {
            finish();
            return false;
          }
        }
        return body(rest) && pause();
      } catch (e) {
        // framing problems are retried like a dropped connection; what the sink threw (status,
        // length mismatch, a failed write: a plain Error with an errno code) passes through unchanged
        finish(e instanceof FramingError ? fail(e) : e);
        return false;
      }
    };

    const socket: net.Socket = https
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], onread: { buffer: readBuf, callback: onRead } } as tls.ConnectionOptions)
      : net.connect({ host, port, onread: { buffer: readBuf, callback: onRead } });
    const connectTimer = setTimeout(() => finish(fail(new Error('connect timeout'), true)), o.connectTimeoutMs ?? 30_000);
    socket.once(https ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    socket.setTimeout(idleMs, () => finish(fail(new Error('idle timeout'), true)));
    socket.on('error', (e) => finish(fail(e)));
    socket.on('end', () => {
      // read-to-close bodies end here; anything else ending early is a dropped connection
      if (head === undefined && remaining === undefined && !chunked) finish();
      else finish(fail(Object.assign(new Error(`connection closed after ${received} body bytes`), { code: 'ECONNRESET' })));
    });
    socket.on('close', () => finish(fail(Object.assign(new Error(`connection closed after ${received} body bytes`), { code: 'ECONNRESET' }))));
    o.signal.addEventListener('abort', onAbort, { once: true });
    const path = `${url.pathname || '/'}${url.search}`;
    const lines = [`${method} ${path} HTTP/1.1`, `Host: ${url.host}`, 'User-Agent: luxops', 'Accept-Encoding: identity', 'Connection: close'];
    for (const [k, v] of Object.entries(o.headers ?? {})) lines.push(`${k}: ${v}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
  });
}
