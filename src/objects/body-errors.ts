// What a GET's body can lie about (its length, where a 206 starts) and which failures a download
// retries: shared by rlp-import's part fetcher and restore-snapshot's ordered reader.
import { LuxopsError } from '../core/errors.js';
import { isTransient } from '../core/retry.js';

/** The body did not have the length the server (or HEAD) announced. */
export class LengthMismatchError extends LuxopsError {
  constructor(url: string, got: number, expected: number) {
    super('E_LENGTH_MISMATCH', `${url}: received ${got} bytes, expected ${expected}`, { details: { url, bytes: got, expected } });
  }
}

/** A 206 that starts after the byte asked for: its body cannot be placed without a hole. */
export class ShiftedRangeError extends LuxopsError {
  constructor(url: string, asked: number, got: number) {
    super('E_BAD_RANGE', `${url}: asked for bytes from ${asked}, the server answered from ${got}`, { details: { url, asked, got } });
  }
}

/** Failures a download retries (resuming where it stopped): network, 5xx/429, length and range lies. */
export function retryable(e: unknown): boolean {
  if (e instanceof LengthMismatchError || e instanceof ShiftedRangeError) return true;
  if (isTransient(e)) return true;
  // undici/SDK body errors (socket closed mid-body) arrive unwrapped from the body iterator
  const code = (e as { code?: string })?.code;
  return (typeof code === 'string' && /^(UND_ERR_|ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED)/.test(code)) || (e as Error)?.name === 'SocketError';
}
