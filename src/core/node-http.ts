// A light HTTP client on node:http for long-running processes that only make small loopback calls
// (the supervisor's health polls and aliasChain calls). undici costs ~20 MB of resident memory
// plus its llhttp wasm; the supervisor sits next to luxd in every pod for its whole life, so it
// uses this instead. Same shapes and errors as core/http.ts: `httpText` and `createJsonRpcClient`.
import http from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { HttpNetworkError, ResponseTooLargeError } from './http-errors.js';
import { jsonRpcCall } from './jsonrpc.js';

export interface LightRequestOptions {
  timeoutMs?: number;
  /** the caller's abort; re-thrown as its reason, never wrapped */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** trust only this CA (PEM), e.g. a Kubernetes service account's ca.crt; such a request gets a
   * connection of its own (no shared agent: its TLS settings differ from every other request's) */
  ca?: Buffer | string;
}

/** Answer of one request. */
export interface LightResponse {
  status: number;
  body: string;
}

// answers larger than this fail (health and JSON-RPC answers are a few KB): the request is
// destroyed, so a server streaming hundreds of MB costs nothing past this
const MAX_BODY = 1024 * 1024;
// One keep-alive agent per scheme: a health poll every second must not open a new socket each time.
// Idle sockets are closed after 3 s, before a server's own idle timeout can race a reused socket.
const AGENT_OPTS = { keepAlive: true, maxSockets: 4, timeout: 3000 };
const httpAgent = new http.Agent(AGENT_OPTS);
let httpsAgent: HttpsAgent | undefined;
// node:https is loaded on the first https:// request only: it brings node:tls and OpenSSL's
// initialisation (~6 MB resident on Node 24), which the supervisor's loopback http:// calls never need
const httpsModule = () => process.getBuiltinModule('node:https');

/** Send one request; network failures and timeouts become HttpNetworkError. */
export function lightHttpText(method: 'GET' | 'POST', url: string, body: string | undefined, opts: LightRequestOptions = {}): Promise<LightResponse> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    const u = new URL(url);
    const tls = u.protocol === 'https:';
    const mod = tls ? httpsModule() : http;
    const headers: Record<string, string> = { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...opts.headers };
    let timedOut = false;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const agent = opts.ca !== undefined ? false : tls ? (httpsAgent ??= new (httpsModule().Agent)(AGENT_OPTS)) : httpAgent;
    const req = mod.request(u, { method, headers, agent, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) return void chunks.push(c);
        req.destroy();
        finish(() => reject(new ResponseTooLargeError(method, url, MAX_BODY)));
      });
      res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (e) => finish(() => reject(new HttpNetworkError(method, url, e, false))));
    });
    const onAbort = () => {
      req.destroy();
      finish(() => reject(opts.signal!.reason));
    };
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          req.destroy(new Error('timed out'));
        }, opts.timeoutMs)
      : undefined;
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(() => reject(new HttpNetworkError(method, url, e, timedOut))));
    req.end(body);
  });
}

/** A JSON-RPC 2.0 client on node:http; see core/http.ts createJsonRpcClient for the semantics. */
export function createLightJsonRpcClient(url: string, defaults: LightRequestOptions = {}): { url: string; call<T = unknown>(method: string, params?: unknown, opts?: LightRequestOptions): Promise<T> } {
  return {
    url,
    call<T>(method: string, params?: unknown, opts: LightRequestOptions = {}): Promise<T> {
      return jsonRpcCall<T>((b) => lightHttpText('POST', url, b, { ...defaults, ...opts, headers: { ...defaults.headers, ...opts.headers } }), url, method, params);
    },
  };
}
