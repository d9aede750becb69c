// One JSON-RPC 2.0 client and one JSON GET helper, both on undici, with per-call timeouts via
// AbortSignal and errors that read like ofetch's: `[POST] "url": 503 Service Unavailable` (the URL
// redacted: see http-errors.ts). Every answer is capped (1 MiB unless the caller says otherwise):
// a server that streams 300 MB at an eth_chainId must not take the process' memory with it.
import type { Dispatcher } from 'undici';
import { isAbortError } from './errors.js';
import { HttpStatusError, JsonRpcError, HttpNetworkError, ResponseTooLargeError } from './http-errors.js';
import { jsonRpcCall } from './jsonrpc.js';

// the error classes live in http-errors.ts (no undici there, so light clients share them)
export { HttpStatusError, JsonRpcError, HttpNetworkError, ResponseTooLargeError };

/** Default cap on an answer's body: JSON-RPC and health answers are a few KB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface RequestOptions {
  timeoutMs?: number;
  /** the caller's abort (shutdown); an abort from here is re-thrown as-is, never wrapped or retried */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
  /** answers larger than this fail with ResponseTooLargeError (default DEFAULT_MAX_RESPONSE_BYTES) */
  maxResponseBytes?: number;
}

function combine(timeoutMs: number | undefined, signal: AbortSignal | undefined): { signal: AbortSignal | undefined; timeout?: AbortSignal } {
  const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  const signals = [timeout, signal].filter((s): s is AbortSignal => s !== undefined);
  if (signals.length === 0) return { signal: undefined };
  return { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals), timeout };
}

/**
 * undici ignores `user:pass@` in a URL (the request would go out unauthenticated): send it as Basic
 * auth instead, and the URL without it. A caller's own Authorization header wins.
 */
function splitCredentials(url: string): { target: string; authorization?: string } {
  if (!url.includes('@')) return { target: url };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { target: url };
  }
  if (!u.username && !u.password) return { target: url };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { target: u.toString(), authorization: `Basic ${basic}` };
}

/** Send one HTTP request and return status + text body; network failures become HttpNetworkError. */
export async function httpText(method: 'GET' | 'POST' | 'HEAD', url: string, body: string | undefined, opts: RequestOptions = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const { signal, timeout } = combine(opts.timeoutMs, opts.signal);
  const max = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const { target, authorization } = splitCredentials(url);
  try {
    // loaded on first use: a process that never sends a request never evaluates undici
    const { request } = await import('undici');
    const res = await request(target, {
      method,
      body,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(authorization ? { authorization } : {}), ...opts.headers },
      signal,
      dispatcher: opts.dispatcher,
    });
    if (method === 'HEAD') {
      await res.body.dump();
      return { status: res.statusCode, body: '', headers: res.headers };
    }
    const declared = Number(res.headers['content-length']);
    if (declared > max) {
      res.body.destroy();
      throw new ResponseTooLargeError(method, url, max);
    }
    // a declared length within the cap bounds the body (undici enforces it): read it the fast way
    if (declared >= 0) return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) {
        res.body.destroy();
        throw new ResponseTooLargeError(method, url, max);
      }
      chunks.push(chunk);
    }
    return { status: res.statusCode, body: Buffer.concat(chunks, size).toString('utf8'), headers: res.headers };
  } catch (e) {
    if (e instanceof ResponseTooLargeError) throw e;
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
