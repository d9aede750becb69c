// Retry discipline (after ofetch): only idempotent calls are retried, only on transient failures
// (network errors, timeouts, 408/425/429/5xx), with bounded count and backoff, and never after the
// caller aborted. Non-retryable errors surface at once, unchanged.
import pRetry, { AbortError } from 'p-retry';
import { HttpNetworkError, HttpStatusError } from './http-errors.js';
import { isAbortError } from './errors.js';

const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Default transient-failure test for HTTP calls. */
export function isTransient(e: unknown): boolean {
  if (e instanceof HttpNetworkError) return true;
  if (e instanceof HttpStatusError) return RETRY_STATUS.has(e.status);
  return false;
}

export interface RetryOptions {
  /** retries after the first attempt (so attempts = retries + 1) */
  retries: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** total time budget across attempts; no new attempt starts after it */
  maxRetryTimeMs?: number;
  signal?: AbortSignal;
  /** false: the call is not idempotent, run it exactly once */
  idempotent?: boolean;
  shouldRetry?: (e: unknown) => boolean;
  onRetry?: (e: unknown, attempt: number, retriesLeft: number) => void;
}

/** Run `fn` with bounded, jittered exponential backoff. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  if (opts.idempotent === false) return fn(1);
  const shouldRetry = opts.shouldRetry ?? isTransient;
  return pRetry(
    async (attempt) => {
      try {
        return await fn(attempt);
      } catch (e) {
        if (opts.signal?.aborted || isAbortError(e) || !shouldRetry(e)) {
          // p-retry's AbortError stops retrying and rethrows the original error
          throw new AbortError(e instanceof Error ? e : new Error(String(e)));
        }
        throw e;
      }
    },
    {
      retries: opts.retries,
      minTimeout: opts.minTimeoutMs ?? 250,
      maxTimeout: opts.maxTimeoutMs ?? 10_000,
      maxRetryTime: opts.maxRetryTimeMs ?? Number.POSITIVE_INFINITY,
      randomize: true,
      signal: opts.signal,
      onFailedAttempt: (err) => opts.onRetry?.(err, err.attemptNumber, err.retriesLeft),
    },
  );
}
