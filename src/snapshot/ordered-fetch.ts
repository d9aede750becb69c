// One remote object delivered in order to a consumer that can only take it front to back (gunzip
// and tar), fetched either as one stream or, with --concurrency N > 1 and a server that honours
// Range, as ranges of `chunkBytes` with up to N in flight: later ranges wait in a bounded pool of
// reused blocks (range-buffer.ts) while the consumer takes the first one as it arrives, and pause
// their connections when the pool is used up. A per-connection-throttled CDN is then N times
// faster, as rlp-import's parallel parts are.
// Every dropped or stalled connection resumes with Range from the last byte received; a response
// must be the same version of the object (ETag, Last-Modified, size) and start where it was asked
// to, or it is never spliced in: a changed object or a server that stops honouring Range restarts
// the whole run from byte 0 (RestartFromZero), which the caller does with fresh state.
import { setTimeout as sleep } from 'node:timers/promises';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { LuxopsError, errorMessage, isAbortError } from '../core/errors.js';
import { SIGNAL_MAX_LISTENERS } from '../core/shutdown.js';
import type { ObjectSource, RemoteObject, BodyInfo } from '../objects/types.js';
import { LengthMismatchError, ShiftedRangeError, retryable } from '../objects/body-errors.js';
import { BlockPool, RangeBuffer } from './range-buffer.js';

/** The run cannot continue from where it is; it has to start over from byte 0. */
export class RestartFromZero extends Error {
  constructor(readonly reason: string, readonly singleStream: boolean) {
    super(reason);
  }
}

/** Wraps what the consumer threw, so it is never mistaken for a network failure and retried. */
class ConsumerFailure {
  constructor(readonly error: unknown) {}
}

export interface OrderedFetchOptions {
  readonly source: ObjectSource;
  readonly name: string;
  /** what a HEAD said (undefined: no HEAD answer, learn from the first GET) */
  readonly head: RemoteObject | undefined;
  readonly concurrency: number;
  /** size of a range; the read-ahead pool is concurrency x this */
  readonly chunkBytes: number;
  /** consecutive failed attempts without progress before giving up */
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly stallTimeoutMs: number;
  /** one stream even with concurrency > 1 (the server ignored Range earlier in this run) */
  readonly singleStream?: boolean;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * takes the object's bytes in order; `release` once the view is no longer referenced (its
   * block is reused); a returned promise is awaited before the next view (backpressure)
   */
  readonly consume: (view: Buffer, release: () => void) => void | Promise<void>;
  /** bytes received so far, including ranges still waiting for the consumer */
  readonly onReceived?: (bytes: number) => void;
}

const BLOCK = 1 << 20;
/** the consumer gets at least this much per view unless a range ends or pauses (fewer gunzip jobs) */
const MIN_VIEW = 256 << 10;

/** Fetch the object into `consume`; resolves with the byte count. */
export async function fetchOrdered(o: OrderedFetchOptions): Promise<number> {
  const ac = new AbortController();
  const signal = AbortSignal.any([o.signal, ac.signal]);
  setMaxListeners(SIGNAL_MAX_LISTENERS, signal);
  const url = o.source.describe(o.name);
  // the version every response must come from: the HEAD's, else the first response's
  const ref: { etag?: string | undefined; lastModified?: string | undefined; size?: number | undefined } = { etag: o.head?.etag, lastModified: o.head?.lastModified, size: o.head?.size };
  const size = o.head?.size;
  const ranged = !o.singleStream && o.concurrency > 1 && o.head?.acceptRanges === true && size !== undefined && size > o.chunkBytes;
  const count = ranged ? Math.ceil(size / o.chunkBytes) : 1;
  // room for every range in flight, plus what gunzip has not consumed yet of the one being read
  const pool = new BlockPool(BLOCK, Math.ceil(((ranged ? o.concurrency : 1) * o.chunkBytes) / BLOCK) + 4);
  const headAhead = ranged ? 4 * BLOCK : o.chunkBytes;
  const ranges: RangeBuffer[] = [];
  let received = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const readOn = (r: RangeBuffer) => {
    if (!r.paused) return;
    r.paused = false;
    r.resume?.();
  };
  // blocks came back: ranges fetched ahead may read on
  pool.onRelease = () => {
    if (pool.exhausted) return;
    for (const r of ranges) if (!r.head && r.paused) readOn(r);
  };

  const checkVersion = (info: BodyInfo) => {
    const changed = (what: string, a: string | number | undefined, b: string | number | undefined) => {
      if (a !== undefined && b !== undefined && a !== b) throw new RestartFromZero(`${url} changed during the download (${what} ${a} -> ${b}); its bytes cannot be spliced`, false);
    };
    // a weak and a strong form of one ETag (W/"x", "x") name the same version
    changed('ETag', ref.etag?.replace(/^W\//, ''), info.etag?.replace(/^W\//, ''));
    changed('Last-Modified', ref.lastModified, info.lastModified);
    changed('size', ref.size, info.total);
    ref.etag ??= info.etag;
    ref.lastModified ??= info.lastModified;
    ref.size ??= info.total;
  };

  /** Bounded attempts; the failure count restarts whenever an attempt gained bytes. */
  const attempts = async (r: RangeBuffer, run: () => Promise<void>) => {
    let failures = 0;
    let mark = r.got;
    for (;;) {
      signal.throwIfAborted();
      try {
        return await run();
      } catch (e) {
        if (e instanceof RestartFromZero || signal.aborted || isAbortError(e)) throw e;
        if (r.got > mark) failures = 0;
        mark = r.got;
        failures++;
        if (!retryable(e) || failures > o.retries) {
          if (e instanceof LuxopsError && e.code !== 'E_HTTP_NETWORK' && e.code !== 'E_HTTP_TIMEOUT') throw e;
          throw new LuxopsError('E_DOWNLOAD_FAILED', `${url}: ${errorMessage(e)} (after ${failures} attempt${failures === 1 ? '' : 's'} without progress)`, { cause: e, details: { url } });
        }
        const delay = Math.min(o.retryDelayMs * 2 ** (failures - 1), 30_000) * (0.5 + Math.random() / 2);
        o.log.warn({ url, from: r.start + r.got, attempt: failures, retriesLeft: o.retries - failures, err: errorMessage(e) }, 'archive download failed; resuming');
        await sleep(delay, undefined, { signal });
      }
    }
  };

  /** GET the rest of `r` (from r.start + r.got), copying what arrives into its blocks. */
  const fetchRange = (r: RangeBuffer) =>
    attempts(r, async () => {
      const pos = r.start + r.got;
      let skip = 0;
      const head = (info: BodyInfo) => {
        checkVersion(info);
        if (!info.partial && (pos > 0 || (r.end !== undefined && r.end < (info.total ?? Infinity)))) {
          throw new RestartFromZero(`${url}: the server ignored the Range request (200 instead of 206)`, true);
        }
        if (info.from > pos) throw new ShiftedRangeError(url, pos, info.from);
        skip = pos - info.from;
      };
      const data = (slice: Buffer): boolean => {
        if (skip > 0) {
          const n = Math.min(skip, slice.length);
          skip -= n;
          slice = slice.subarray(n);
        }
        // a server that sends more than the range asked for: the rest belongs to later ranges
        if (r.end !== undefined && slice.length > r.end - r.start - r.got) slice = slice.subarray(0, r.end - r.start - r.got);
        if (slice.length === 0) return true;
        const more = r.take(slice);
        received += slice.length;
        o.onReceived?.(received);
        poke();
        return more;
      };
      const opts = { ...(r.end !== undefined ? { end: r.end } : {}), stallTimeoutMs: o.stallTimeoutMs };
      if (o.source.fetchInto) {
        const control: { resume?: () => void } = {};
        r.resume = () => control.resume?.();
        await o.source.fetchInto(o.name, pos, signal, { head, data }, { ...opts, control });
      } else {
        const res = await o.source.get(o.name, pos, signal, opts);
        let go: (() => void) | undefined;
        r.resume = () => go?.();
        try {
          head(res);
          for await (const c of res.body) {
            if (!data(Buffer.from(c.buffer, c.byteOffset, c.byteLength)) && r.paused) await new Promise<void>((resolve) => (go = resolve));
          }
        } finally {
          res.body.destroy?.();
        }
      }
      const want = r.end !== undefined ? r.end - r.start : ref.size;
      if (want !== undefined && r.got !== want) throw new LengthMismatchError(url, r.start + r.got, r.start + want);
      r.done = true;
      poke();
    });

  let next = 0;
  const startMore = (head: number) => {
    while (next < count && next < head + o.concurrency && failure === undefined) {
      const start = next * o.chunkBytes;
      const r = new RangeBuffer(start, ranged ? Math.min(size, start + o.chunkBytes) : undefined, pool, headAhead);
      ranges.push(r);
      next++;
      fetchRange(r).catch((e: unknown) => {
        failure ??= { error: e };
        ac.abort(e);
        poke();
      });
    }
  };

  let delivered = 0;
  try {
    for (let k = 0; k < count; k++) {
      startMore(k);
      const r = ranges[0]!;
      r.head = true;
      if (r.available < headAhead) readOn(r);
      for (;;) {
        if (failure !== undefined) throw failure.error;
        const avail = r.available;
        if (avail > 0 && (avail >= MIN_VIEW || r.done || r.paused)) {
          const v = r.next()!;
          delivered += v.view.length;
          try {
            await o.consume(v.view, v.release);
          } catch (e) {
            throw new ConsumerFailure(e);
          }
          if (r.available < headAhead / 2) readOn(r);
          continue;
        }
        if (r.done && avail === 0) break;
        signal.throwIfAborted();
        await new Promise<void>((resolve) => (wake = resolve));
      }
      ranges.shift()!.close();
    }
    return delivered;
  } catch (e) {
    throw e instanceof ConsumerFailure ? e.error : e;
  } finally {
    ac.abort(new Error('download finished'));
    for (const r of ranges) r.close();
  }
}
