// Remote objects over HTTP(S) with undici: HEAD for size/ranges, GET with `Range: bytes=N-`.
import { request, Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { HttpNetworkError, HttpStatusError } from '../core/http.js';
import { LuxopsError } from '../core/errors.js';
import type { ObjectSource, RemoteObject, RemoteBody } from './object-source.js';
import { rawGet } from './raw-get.js';

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
  // Long downloads: no body timeout between chunks beyond 5 minutes of silence; connects stay short.
  const dispatcher: Dispatcher = new Agent({ connect: { timeout: 30_000 }, headersTimeout: 60_000, bodyTimeout: 300_000, keepAliveTimeout: 10_000 });
  const urlOf = (name: string) => `${baseUrl.replace(/\/+$/, '')}/${name}`;

  async function send(method: 'HEAD' | 'GET', url: string, headers: Record<string, string>, signal: AbortSignal) {
    try {
      return await request(url, { method, headers, signal, dispatcher });
    } catch (e) {
      if (signal.aborted) throw signal.reason ?? e;
      throw new HttpNetworkError(method, url, e, false);
    }
  }

  return {
    describe: urlOf,
    async head(name, signal): Promise<RemoteObject | undefined> {
      const url = urlOf(name);
      const res = await send('HEAD', url, {}, signal);
      await res.body.dump();
      if (res.statusCode === 404) return undefined;
      if (res.statusCode < 200 || res.statusCode >= 300) throw new HttpStatusError('HEAD', url, res.statusCode, '');
      const etag = header(res.headers, 'etag');
      return {
        size: lengthOf(res.headers),
        acceptRanges: header(res.headers, 'accept-ranges')?.toLowerCase() === 'bytes',
        ...(etag ? { etag } : {}),
      };
    },
    async get(name, start, signal): Promise<RemoteBody> {
      const url = urlOf(name);
      const res = await send('GET', url, start > 0 ? { range: `bytes=${start}-` } : {}, signal);
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
      let url = new URL(urlOf(name));
      for (let hop = 0; ; hop++) {
        let location: string | undefined;
        await rawGet(url, {
          head(status, headers) {
            if ([301, 302, 303, 307, 308].includes(status) && headers.location) {
              location = headers.location;
              throw new RedirectSignal();
            }
            if (status !== 200 && status !== 206) throw new HttpStatusError('GET', url.href, status, '');
            let from = 0;
            if (status === 206) {
              const m = /^bytes (\d+)-/.exec(headers['content-range'] ?? '');
              from = m ? Number(m[1]) : start;
            }
            const len = headers['content-length'];
            sink.head({ from, length: len !== undefined && /^\d+$/.test(len) && !/chunked/i.test(headers['transfer-encoding'] ?? '') ? Number(len) : undefined });
          },
          data: (slice) => sink.data(slice),
        }, { signal, headers: start > 0 ? { Range: `bytes=${start}-` } : {} }).catch((e: unknown) => {
          if (!(e instanceof RedirectSignal)) throw e;
        });
        if (location === undefined) return;
        if (hop >= MAX_REDIRECTS) throw new LuxopsError('E_TOO_MANY_REDIRECTS', `[GET] "${urlOf(name)}": more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LuxopsError('E_BAD_REDIRECT', `[GET] "${urlOf(name)}": redirect to ${url.protocol} URL`);
      }
    },
    async close() {
      await dispatcher.close();
    },
  };
}

/** Thrown from the head callback to stop reading a redirect's body. */
class RedirectSignal extends Error {}
