// The HTTP error classes every client shares (undici-based core/http.ts and the node:http-based
// core/node-http.ts), in a file of their own so importing them does not load undici. Messages
// read like ofetch's: `[POST] "url": 503 Service Unavailable`. The URL in every message is the
// redacted one (redact-url.ts), and what a server sends back is scrubbed of the URL's secrets, so a
// caller can log or show these errors without knowing which parts are secret.
import { STATUS_CODES } from 'node:http';
import { LuxopsError } from './errors.js';
import { redactUrl, scrubUrlSecrets } from './redact-url.js';

/** HTTP answered with a non-2xx status. */
export class HttpStatusError extends LuxopsError {
  readonly status: number;
  readonly body: string;
  constructor(method: string, url: string, status: number, body: string) {
    super('E_HTTP_STATUS', `[${method}] "${redactUrl(url)}": ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd(), { details: { status } });
    this.status = status;
    this.body = scrubUrlSecrets(body, url);
  }
}

/** The server answered with a JSON-RPC error object; its code and message are kept (secrets of the URL masked). */
export class JsonRpcError extends LuxopsError {
  readonly rpcCode: number;
  readonly rpcMessage: string;
  readonly data: unknown;
  constructor(url: string, method: string, err: { code?: number; message?: string; data?: unknown }) {
    const message = scrubUrlSecrets(String(err.message ?? 'unknown error'), url);
    super('E_JSONRPC', `${method} on "${redactUrl(url)}" failed: ${message} (code ${err.code ?? '?'})`, {
      details: { rpcCode: err.code },
    });
    this.rpcCode = typeof err.code === 'number' ? err.code : 0;
    this.rpcMessage = message;
    this.data = err.data;
  }
}

// Failures that happen before a byte of the request left this process: the server cannot have acted on it.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL', 'UND_ERR_INVALID_ARG']);

/** True unless the failure (or one of its causes) proves the request never reached the server. */
function mayHaveBeenDelivered(cause: unknown): boolean {
  for (let c = cause, depth = 0; c && typeof c === 'object' && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return false;
  }
  return true;
}

/** The request did not complete: connection refused/reset, DNS, or timeout. Always transient. */
export class HttpNetworkError extends LuxopsError {
  readonly timedOut: boolean;
  /**
   * False only when the request provably never left (connection refused, DNS failure, connect
   * timeout); a timeout or reset after connecting may have been acted on by the server, which
   * matters for requests that must not happen twice (eth_sendRawTransaction).
   */
  readonly maybeDelivered: boolean;
  constructor(method: string, url: string, cause: unknown, timedOut: boolean, code?: string, why?: string) {
    const reason = why ?? (timedOut ? 'timed out' : ((cause as { code?: string })?.code ?? (cause as Error)?.message ?? 'network error'));
    super(code ?? (timedOut ? 'E_HTTP_TIMEOUT' : 'E_HTTP_NETWORK'), `[${method}] "${redactUrl(url)}": ${scrubUrlSecrets(String(reason), url)}`, { cause });
    this.timedOut = timedOut;
    this.maybeDelivered = timedOut || mayHaveBeenDelivered(cause);
  }
}

/** The answer was larger than the client accepts (a broken or hostile server); the request did reach it. */
export class ResponseTooLargeError extends HttpNetworkError {
  readonly limit: number;
  constructor(method: string, url: string, limit: number) {
    super(method, url, undefined, false, 'E_HTTP_TOO_LARGE', `answer over ${limit} bytes refused`);
    this.limit = limit;
  }
}
