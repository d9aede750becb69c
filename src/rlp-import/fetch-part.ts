// Download one part into the output at its own offset (positional writes, no part files). A
// dropped connection resumes with `Range` from the last written byte; a server that ignores Range
// (200 for a ranged GET) restarts the part; a body longer or shorter than announced fails the attempt.
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LuxopsError, errorMessage, isAbortError } from '../core/errors.js';
import { isTransient } from '../core/retry.js';
import type { ObjectSource } from './object-source.js';
import type { PartProgress } from './resume-state.js';

/** The body did not have the length the server (or HEAD) announced. */
export class LengthMismatchError extends LuxopsError {
  constructor(url: string, got: number, expected: number) {
    super('E_LENGTH_MISMATCH', `${url}: received ${got} bytes, expected ${expected}`, { details: { url, bytes: got, expected } });
  }
}

export interface FetchPartOptions {
  readonly source: ObjectSource;
  readonly progress: PartProgress;
  readonly fh: FileHandle;
  /** where this part starts in the output */
  readonly offset: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** called after each write with the bytes added (negative when a restart discards bytes) */
  readonly onBytes: (delta: number) => void;
}

// Coalesce small network chunks into fewer, larger positional writes; on a slow link write at least
// every WRITE_MAX_AGE_MS so the resume state (which only counts written bytes) keeps up.
const WRITE_BATCH = 256 << 10;
const WRITE_MAX_AGE_MS = 250;

async function attempt(o: FetchPartOptions): Promise<void> {
  const p = o.progress;
  const url = o.source.describe(p.name);
  const start = p.done;
  const res = await o.source.get(p.name, start, o.signal);
  let pos = res.from;
  if (pos !== start) {
    o.log.warn({ url, part: p.name, bytes: start }, 'server ignored the Range request; restarting this part');
    o.onBytes(-start);
    p.done = 0;
    pos = 0;
  }
  if (p.size !== undefined && res.length !== undefined && res.length !== p.size - pos) {
    res.body.destroy?.();
    throw new LengthMismatchError(url, pos + res.length, p.size);
  }
  let batch: Uint8Array[] = [];
  let batchLen = 0;
  let lastWrite = Date.now();
  const flush = async () => {
    if (batchLen === 0) return;
    const buf = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchLen);
    batch = [];
    const n = batchLen;
    batchLen = 0;
    let written = 0;
    while (written < n) {
      const w = await o.fh.write(buf, written, n - written, o.offset + pos + written);
      written += w.bytesWritten;
    }
    pos += n;
    p.done = pos;
    lastWrite = Date.now();
    o.onBytes(n);
  };
  for await (const chunk of res.body) {
    if (p.size !== undefined && pos + batchLen + chunk.length > p.size) {
      res.body.destroy?.();
      throw new LengthMismatchError(url, pos + batchLen + chunk.length, p.size);
    }
    batch.push(chunk);
    batchLen += chunk.length;
    if (batchLen >= WRITE_BATCH || Date.now() - lastWrite >= WRITE_MAX_AGE_MS) await flush();
  }
  await flush();
  if (p.size !== undefined && pos !== p.size) throw new LengthMismatchError(url, pos, p.size);
  p.size = pos;
  p.complete = true;
}

function retryable(e: unknown): boolean {
  if (e instanceof LengthMismatchError) return true;
  if (isTransient(e)) return true;
  // undici body errors (socket closed mid-body) arrive unwrapped from the async iterator
  const code = (e as { code?: string })?.code;
  return typeof code === 'string' && /^(UND_ERR_|ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED)/.test(code) || (e as Error)?.name === 'SocketError';
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
