// The HTTP error classes every client shares (undici-based core/http.ts and the node:http-based
// core/node-http.ts), in a file of their own so importing them does not load undici. Messages
// read like ofetch's: `[POST] "url": 503 Service Unavailable`.
import { STATUS_CODES } from 'node:http';
import { LuxopsError } from './errors.js';

/** HTTP answered with a non-2xx status. */
export class HttpStatusError extends LuxopsError {
  readonly status: number;
  readonly body: string;
  constructor(method: string, url: string, status: number, body: string) {
    super('E_HTTP_STATUS', `[${method}] "${url}": ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd(), { details: { status } });
    this.status = status;
    this.body = body;
  }
}

/** The server answered with a JSON-RPC error object; its code and message are kept verbatim. */
export class JsonRpcError extends LuxopsError {
  readonly rpcCode: number;
  readonly rpcMessage: string;
  readonly data: unknown;
  constructor(url: string, method: string, err: { code?: number; message?: string; data?: unknown }) {
    super('E_JSONRPC', `${method} on "${url}" failed: ${err.message ?? 'unknown error'} (code ${err.code ?? '?'})`, {
      details: { rpcCode: err.code },
    });
    this.rpcCode = err.code ?? 0;
    this.rpcMessage = err.message ?? '';
    this.data = err.data;
  }
}

/** The request did not complete: connection refused/reset, DNS, or timeout. Always transient. */
export class HttpNetworkError extends LuxopsError {
  readonly timedOut: boolean;
  constructor(method: string, url: string, cause: unknown, timedOut: boolean) {
    const why = timedOut ? 'timed out' : ((cause as { code?: string })?.code ?? (cause as Error)?.message ?? 'network error');
    super(timedOut ? 'E_HTTP_TIMEOUT' : 'E_HTTP_NETWORK', `[${method}] "${url}": ${why}`, { cause });
    this.timedOut = timedOut;
  }
}
