// One JSON-RPC 2.0 client and one JSON GET helper, both on undici, with per-call timeouts via
// AbortSignal and errors that read like ofetch's: `[POST] "url": 503 Service Unavailable`.
import type { Dispatcher } from 'undici';
import { isAbortError } from './errors.js';
import { HttpStatusError, JsonRpcError, HttpNetworkError } from './http-errors.js';
import { jsonRpcCall } from './jsonrpc.js';

// the error classes live in http-errors.ts (no undici there, so light clients share them)
export { HttpStatusError, JsonRpcError, HttpNetworkError };

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
    // loaded on first use: a process that never sends a request never evaluates undici
    const { request } = await import('undici');
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

/** A JSON-RPC 2.0 client for one endpoint (luxd `/ext/admin`, `/ext/bc/C/rpc`, an EVM node...). */
export function createJsonRpcClient(url: string, defaults: RequestOptions = {}): JsonRpcClient {
  return {
    url,
    call<T>(method: string, params?: unknown, opts: RequestOptions = {}): Promise<T> {
      return jsonRpcCall<T>((body) => httpText('POST', url, body, { ...defaults, ...opts, headers: { ...defaults.headers, ...opts.headers } }), url, method, params);
    },
  };
}
