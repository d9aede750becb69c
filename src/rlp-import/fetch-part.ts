// Download one part into the output at its own offset (positional writes, no part files). A
// dropped connection resumes with `Range` from the last written byte; a server that ignores Range
// (200 for a ranged GET) restarts the part; a body longer or shorter than announced fails the attempt.
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LuxopsError, errorMessage, isAbortError } from '../core/errors.js';
import type { ObjectSource, BodyInfo } from '../objects/types.js';
import { LengthMismatchError, ShiftedRangeError, retryable } from '../objects/body-errors.js';
import { resetPart } from './resume-state.js';
import type { PartProgress } from './resume-state.js';
import { PartWriter } from './part-writer.js';

export interface FetchPartOptions {
  readonly source: ObjectSource;
  readonly progress: PartProgress;
  readonly fh: FileHandle;
  /** where this part starts in the output */
  readonly offset: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  /** silence on a connection before the attempt counts as stalled */
  readonly stallTimeoutMs?: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * called after each write with the bytes added (negative when a restart discards bytes) and,
   * for a write, the slice and its file offset (valid only during the call)
   */
  readonly onBytes: (delta: number, slice?: Uint8Array, at?: number) => void;
}

/** One GET from `progress.done` to the end of the part. */
async function attempt(o: FetchPartOptions): Promise<void> {
  const p = o.progress;
  const url = o.source.describe(p.name);
  const start = p.done;
  let writer: PartWriter | undefined;
  let got = 0;
  let from = start;
  // leading body bytes the output already has (a 206 that starts before the byte asked for)
  let skip = 0;
  const open = (info: BodyInfo) => {
    // (a weak and a strong form of one ETag name the same version)
    if (p.etag !== undefined && info.etag !== undefined && info.etag.replace(/^W\//, '') !== p.etag.replace(/^W\//, '')) {
      throw new LuxopsError('E_OBJECT_CHANGED', `${url} changed while it was downloaded (ETag ${p.etag}, now ${info.etag}); rerun to start over`, { details: { url } });
    }
    from = info.from;
    if (from > start) throw new ShiftedRangeError(url, start, from);
    if (from === 0 && start > 0) {
      o.log.warn({ url, part: p.name, bytes: start }, 'server ignored the Range request; restarting this part');
      o.onBytes(-start);
      resetPart(p);
    } else skip = start - from;
    if (p.size !== undefined && info.length !== undefined && info.length !== p.size - from) throw new LengthMismatchError(url, from + info.length, p.size);
    writer = new PartWriter(o.fh, o.offset, from + skip, (done, delta, slice, at) => {
      p.done = done;
      o.onBytes(delta, slice, at);
    });
  };
  const take = (slice: Uint8Array): void => {
    got += slice.length;
    if (p.size !== undefined && from + got > p.size) throw new LengthMismatchError(url, from + got, p.size);
    if (skip > 0) {
      const n = Math.min(skip, slice.length);
      skip -= n;
      slice = slice.subarray(n);
      if (slice.length === 0) return;
    }
    writer!.push(slice);
  };
  // every slice is on disk when `take` returns, so a drop keeps all that arrived: the next attempt
  // resumes after it
  const opts = { stallTimeoutMs: o.stallTimeoutMs };
  if (o.source.fetchInto) {
    await o.source.fetchInto(p.name, start, o.signal, { head: open, data: take }, opts);
  } else {
    const res = await o.source.get(p.name, start, o.signal, opts);
    open(res);
    for await (const chunk of res.body) take(chunk);
  }
  if (p.size !== undefined && from + got !== p.size) throw new LengthMismatchError(url, from + got, p.size);
  p.size = from + got;
  p.complete = true;
}

/** Fetch the rest of a part with bounded, backed-off retries. */
export async function fetchPart(o: FetchPartOptions): Promise<void> {
  const url = o.source.describe(o.progress.name);
  for (let failures = 0; ; ) {
    if (o.progress.complete) return;
    o.signal.throwIfAborted();
    try {
      await attempt(o);
      return;
    } catch (e) {
      if (o.signal.aborted || isAbortError(e)) throw o.signal.reason ?? e;
      failures++;
      if (!retryable(e) || failures > o.retries) {
        if (e instanceof LuxopsError && e.code !== 'E_HTTP_NETWORK') throw e;
        throw new LuxopsError('E_DOWNLOAD_FAILED', `${url}: ${errorMessage(e)} (after ${failures} attempt${failures === 1 ? '' : 's'})`, { cause: e, details: { url } });
      }
      const delay = Math.min(o.retryDelayMs * 2 ** (failures - 1), 30_000) * (0.5 + Math.random() / 2);
      o.log.warn({ url, part: o.progress.name, bytes: o.progress.done, attempt: failures, retriesLeft: o.retries - failures, err: errorMessage(e) }, 'part download failed; retrying');
      await sleep(delay, undefined, { signal: o.signal });
    }
  }
}
