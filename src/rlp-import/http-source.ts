// Remote objects over HTTP(S): HEAD for size/ranges and the bulk GETs with `Range: bytes=N-` through
// the small reader in raw-get.ts (redirects followed here); undici only for the streamed `get`
// (checksums, snapshots), loaded on first use so a download-only run never evaluates it.
import type { Dispatcher } from 'undici';
import { HttpNetworkError, HttpStatusError } from '../core/http.js';
import { LuxopsError } from '../core/errors.js';
import type { ObjectSource, RemoteObject, RemoteBody } from './object-source.js';
import { rawGet } from './raw-get.js';
import type { RawSink } from './raw-get.js';

const MAX_REDIRECTS = 5;

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function lengthOf(h: Record<string, string | string[] | undefined>): number | undefined {
  const v = header(h, 'content-length');
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Objects under an http(s) base URL: `<base>/<name>`. */
export function createHttpSource(baseUrl: string): ObjectSource {
  let dispatcher: Dispatcher | undefined;
  const urlOf = (name: string) => `${baseUrl.replace(/\/+$/, '')}/${name}`;

  async function send(url: string, headers: Record<string, string>, signal: AbortSignal) {
    try {
      const { request, Agent } = await import('undici');
      // Long downloads: no body timeout between chunks beyond 5 minutes of silence; connects stay short.
      dispatcher ??= new Agent({ connect: { timeout: 30_000 }, headersTimeout: 60_000, bodyTimeout: 300_000, keepAliveTimeout: 10_000 });
      return await request(url, { method: 'GET', headers, signal, dispatcher });
    } catch (e) {
      if (signal.aborted) throw signal.reason ?? e;
      throw new HttpNetworkError('GET', url, e, false);
    }
  }

  /** One raw request, following up to MAX_REDIRECTS redirects; `sink.head` sees the final response. */
  async function follow(method: 'GET' | 'HEAD', name: string, headers: Record<string, string>, signal: AbortSignal, sink: RawSink, idleTimeoutMs?: number): Promise<void> {
    let url = new URL(urlOf(name));
    for (let hop = 0; ; hop++) {
      let location: string | undefined;
      const at = url;
      await rawGet(at, {
        head(status, h) {
          if ([301, 302, 303, 307, 308].includes(status) && h.location) {
            location = h.location;
            throw new RedirectSignal();
          }
          sink.head(status, h);
        },
        data: (slice) => sink.data(slice),
      }, { method, signal, headers, ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}) }).catch((e: unknown) => {
        if (!(e instanceof RedirectSignal)) throw e;
      });
      if (location === undefined) return;
      if (hop >= MAX_REDIRECTS) throw new LuxopsError('E_TOO_MANY_REDIRECTS', `[${method}] "${urlOf(name)}": more than ${MAX_REDIRECTS} redirects`);
      url = new URL(location, at);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LuxopsError('E_BAD_REDIRECT', `[${method}] "${urlOf(name)}": redirect to ${url.protocol} URL`);
    }
  }

  return {
    describe: urlOf,
    async head(name, signal): Promise<RemoteObject | undefined> {
      let found: RemoteObject | undefined;
      // a HEAD answers at once: a silent server fails it in a minute, not after the bulk GET's 5
      await follow('HEAD', name, {}, signal, {
        head(status, h) {
          if (status === 404) return;
          if (status < 200 || status >= 300) throw new HttpStatusError('HEAD', urlOf(name), status, '');
          found = {
            size: lengthOf(h),
            acceptRanges: h['accept-ranges']?.toLowerCase() === 'bytes',
            ...(h.etag ? { etag: h.etag } : {}),
          };
        },
        data: () => undefined,
      }, 60_000);
      return found;
    },
    async get(name, start, signal): Promise<RemoteBody> {
      const url = urlOf(name);
      const res = await send(url, start > 0 ? { range: `bytes=${start}-` } : {}, signal);
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        const body = await res.body.text().catch(() => '');
        throw new HttpStatusError('GET', url, res.statusCode, body.slice(0, 256));
      }
      let from = 0;
      if (res.statusCode === 206) {
        const m = /^bytes (\d+)-/.exec(header(res.headers, 'content-range') ?? '');
        from = m ? Number(m[1]) : start;
      }
      return { from, length: lengthOf(res.headers), body: res.body };
    },
    async fetchInto(name, start, signal, sink) {
      await follow('GET', name, start > 0 ? { Range: `bytes=${start}-` } : {}, signal, {
        head(status, headers) {
          if (status !== 200 && status !== 206) throw new HttpStatusError('GET', urlOf(name), status, '');
          let from = 0;
          if (status === 206) {
            const m = /^bytes (\d+)-/.exec(headers['content-range'] ?? '');
            from = m ? Number(m[1]) : start;
          }
          sink.head({ from, length: /chunked/i.test(headers['transfer-encoding'] ?? '') ? undefined : lengthOf(headers) });
        },
        data: (slice) => sink.data(slice),
      });
    },
    async close() {
      await dispatcher?.close();
    },
  };
}

/** Thrown from the head callback to stop reading a redirect's body. */
class RedirectSignal extends Error {}
