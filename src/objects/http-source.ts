// Remote objects over HTTP(S), every request through the small HTTP/1.1 reader in raw-get.ts
// (redirects followed here, bounded at 5): HEAD for size/ranges, the bulk GETs pushed into a sink
// (`fetchInto`, rlp-import's parts) and pulled GETs with backpressure (`get`: checksums files and
// snapshot archives). One reader for all of them: a server that closes after the body (HTTP/1.0
// style), a redirect or a stalled body behave the same for every command. (undici's paused parser
// crashed restore-snapshot on servers that close the connection: nodejs/undici#5360.)
import { HttpStatusError } from '../core/http-errors.js';
import { LuxopsError } from '../core/errors.js';
import type { ObjectSource, RemoteObject, RemoteBody, BodyInfo, GetOptions } from './types.js';
import { rawGet } from './raw-get.js';
import type { RawSink, RawFlow } from './raw-get.js';
import { FramingError } from './chunked-decoder.js';
import { redactUrl } from '../core/redact-url.js';
import { parseContentRange } from './content-range.js';
import { DEFAULT_STALL_MS } from './stall-watch.js';

const MAX_REDIRECTS = 5;
/** a pulled body reads ahead this much before the socket is paused */
const PULL_HIGH_WATER = 1 << 20;

function lengthOf(h: Readonly<Record<string, string>>): number | undefined {
  const v = h['content-length'];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/**
 * What a 200/206 head says about its body. A 206 must carry a well-formed Content-Range that agrees
 * with its Content-Length: otherwise nobody can tell where its bytes belong (a retryable framing
 * error, like a garbled response). Where the body starts is the caller's business (from !== start).
 */
function bodyInfo(status: number, h: Readonly<Record<string, string>>): BodyInfo {
  const chunked = /chunked/i.test(h['transfer-encoding'] ?? '');
  const length = chunked ? undefined : lengthOf(h);
  const validators = { ...(h.etag ? { etag: h.etag } : {}), ...(h['last-modified'] ? { lastModified: h['last-modified'] } : {}) };
  if (status !== 206) return { partial: false, from: 0, length, total: length, ...validators };
  const cr = parseContentRange(h['content-range']);
  if (!cr) throw new FramingError(`206 with an unusable Content-Range ${JSON.stringify(h['content-range'] ?? null)}`);
  if (length !== undefined && length !== cr.end - cr.start) throw new FramingError(`206 Content-Range ${h['content-range']} disagrees with Content-Length ${length}`);
  return { partial: true, from: cr.start, length: cr.end - cr.start, total: cr.total, ...validators };
}

function rangeHeader(start: number, end: number | undefined): Record<string, string> {
  if (end !== undefined) return { Range: `bytes=${start}-${end - 1}` };
  return start > 0 ? { Range: `bytes=${start}-` } : {};
}

/** Objects under an http(s) base URL: `<base>/<name>`. */
export function createHttpSource(baseUrl: string): ObjectSource {
  const urlOf = (name: string) => `${baseUrl.replace(/\/+$/, '')}/${name}`;
  const shown = (name: string) => redactUrl(urlOf(name));

  /** One raw request, following up to MAX_REDIRECTS redirects; `sink.head` sees the final response. */
  async function follow(method: 'GET' | 'HEAD', name: string, headers: Record<string, string>, signal: AbortSignal, sink: RawSink, idleTimeoutMs: number, control?: RawFlow): Promise<void> {
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
      }, { method, signal, headers, idleTimeoutMs, ...(control ? { control } : {}) }).catch((e: unknown) => {
        if (!(e instanceof RedirectSignal)) throw e;
      });
      if (location === undefined) return;
      if (hop >= MAX_REDIRECTS) throw new LuxopsError('E_TOO_MANY_REDIRECTS', `[${method}] "${shown(name)}": more than ${MAX_REDIRECTS} redirects`);
      url = new URL(location, at);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LuxopsError('E_BAD_REDIRECT', `[${method}] "${shown(name)}": redirect to ${url.protocol} URL`);
    }
  }

  const okStatus = (name: string, status: number) => {
    if (status !== 200 && status !== 206) throw new HttpStatusError('GET', shown(name), status, '');
  };

  return {
    describe: shown,
    async head(name, signal): Promise<RemoteObject | undefined> {
      let found: RemoteObject | undefined;
      // a HEAD answers at once: a silent server fails it in a minute, not after the bulk GET's stall timeout
      await follow('HEAD', name, {}, signal, {
        head(status, h) {
          if (status === 404) return;
          if (status < 200 || status >= 300) throw new HttpStatusError('HEAD', shown(name), status, '');
          found = {
            size: lengthOf(h),
            acceptRanges: h['accept-ranges']?.toLowerCase() === 'bytes',
            ...(h.etag ? { etag: h.etag } : {}),
            ...(h['last-modified'] ? { lastModified: h['last-modified'] } : {}),
          };
        },
        data: () => undefined,
      }, 60_000);
      return found;
    },
    async get(name, start, signal, opts: GetOptions = {}): Promise<RemoteBody> {
      const ac = new AbortController();
      const both = AbortSignal.any([signal, ac.signal]);
      const control: RawFlow = {};
      const queue: Buffer[] = [];
      let queued = 0;
      let ended = false;
      let failure: unknown;
      let wake: (() => void) | undefined;
      const poke = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      let gotHead: ((info: BodyInfo) => void) | undefined;
      const head = new Promise<BodyInfo>((resolve, reject) => {
        gotHead = resolve;
        follow('GET', name, rangeHeader(start, opts.end), both, {
          head(status, h) {
            okStatus(name, status);
            gotHead!(bodyInfo(status, h));
          },
          data(slice) {
            // the reader reuses its buffer: keep a copy
            queue.push(Buffer.from(slice));
            queued += slice.length;
            poke();
            return queued < PULL_HIGH_WATER;
          },
        }, opts.stallTimeoutMs ?? DEFAULT_STALL_MS, control).then(
          () => {
            ended = true;
            poke();
          },
          (e: unknown) => {
            failure = e;
            reject(e);
            poke();
          },
        );
      });
      const info = await head;
      async function* pull(): AsyncGenerator<Uint8Array> {
        try {
          for (;;) {
            const b = queue.shift();
            if (b) {
              queued -= b.length;
              if (queued < PULL_HIGH_WATER / 2) control.resume?.();
              yield b;
              continue;
            }
            if (failure !== undefined) throw failure;
            if (ended) return;
            await new Promise<void>((r) => (wake = r));
          }
        } finally {
          // a consumer that stops early closes the connection
          if (!ended) ac.abort(new Error('body abandoned'));
        }
      }
      const it = pull();
      // (a generator never started runs no finally: abort the request here too)
      const destroy = () => {
        if (!ended) ac.abort(new Error('body abandoned'));
        void it.return(undefined);
      };
      return { ...info, body: Object.assign(it, { destroy }) };
    },
    async fetchInto(name, start, signal, sink, opts: GetOptions = {}) {
      await follow('GET', name, rangeHeader(start, opts.end), signal, {
        head(status, headers) {
          okStatus(name, status);
          sink.head(bodyInfo(status, headers));
        },
        data: (slice) => sink.data(slice),
      }, opts.stallTimeoutMs ?? DEFAULT_STALL_MS, opts.control);
    },
    async close() {
      // every request has its own connection (Connection: close): nothing pooled to close
    },
  };
}

/** Thrown from the head callback to stop reading a redirect's body. */
class RedirectSignal extends Error {}
