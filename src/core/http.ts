// One JSON-RPC 2.0 client and one JSON GET helper, both on undici, with per-call timeouts via
// AbortSignal and errors that read like ofetch's: `[POST] "url": 503 Service Unavailable`.
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { STATUS_CODES } from 'node:http';
import { LuxopsError, isAbortError } from './errors.js';

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

export interface RequestOptions {
  timeoutMs?: number;
  /** the caller's abort (shutdown); an abort from here is re-thrown as-is, never wrapped or retried */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
}

function combine(timeoutMs: number | undefined, signal: AbortSignal | undefined): { signal: AbortSignal | undefined; timeout?: AbortSignal } {
  const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  const signals = [timeout, signal].filter((s): s is AbortSignal => s !== undefined);
  if (signals.length === 0) return { signal: undefined };
  return { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals), timeout };
}

/** Send one HTTP request and return status + text body; network failures become HttpNetworkError. */
export async function httpText(method: 'GET' | 'POST' | 'HEAD', url: string, body: string | undefined, opts: RequestOptions = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const { signal, timeout } = combine(opts.timeoutMs, opts.signal);
  try {
    const res = await request(url, {
      method,
      body,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      signal,
      dispatcher: opts.dispatcher,
    });
    const text = method === 'HEAD' ? (await res.body.dump(), '') : await res.body.text();
    return { status: res.statusCode, body: text, headers: res.headers };
  } catch (e) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? e;
    const timedOut = Boolean(timeout?.aborted) || (isAbortError(e) && !opts.signal?.aborted);
    throw new HttpNetworkError(method, url, e, timedOut);
  }
}

/** GET a JSON document; returns status and the parsed body (undefined when not JSON). */
export async function getJson<T = unknown>(url: string, opts: RequestOptions = {}): Promise<{ status: number; body: T | undefined }> {
  const res = await httpText('GET', url, undefined, opts);
  let parsed: T | undefined;
  try {
    parsed = JSON.parse(res.body) as T;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed };
}

export interface JsonRpcClient {
  readonly url: string;
  call<T = unknown>(method: string, params?: unknown, opts?: RequestOptions): Promise<T>;
}

let nextId = 1;

/** A JSON-RPC 2.0 client for one endpoint (luxd `/ext/admin`, `/ext/bc/C/rpc`, an EVM node...). */
export function createJsonRpcClient(url: string, defaults: RequestOptions = {}): JsonRpcClient {
  return {
    url,
    async call<T>(method: string, params?: unknown, opts: RequestOptions = {}): Promise<T> {
      const id = nextId++;
      const payload = JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
      const res = await httpText('POST', url, payload, { ...defaults, ...opts, headers: { ...defaults.headers, ...opts.headers } });
      let msg: { result?: T; error?: { code?: number; message?: string; data?: unknown } } | undefined;
      try {
        msg = JSON.parse(res.body);
      } catch {
        msg = undefined;
      }
      // JSON-RPC errors may come with HTTP 200 (luxd) or 4xx/5xx (some proxies/geth); surface the RPC error first.
      if (msg && typeof msg === 'object' && msg.error) throw new JsonRpcError(url, method, msg.error);
      if (res.status < 200 || res.status >= 300) throw new HttpStatusError('POST', url, res.status, res.body.slice(0, 512));
      if (!msg || typeof msg !== 'object' || !('result' in msg)) {
        throw new LuxopsError('E_JSONRPC_BAD_RESPONSE', `${method} on "${url}": response is not JSON-RPC 2.0`);
      }
      return msg.result as T;
    },
  };
}
