// JSON-RPC 2.0 framing shared by the HTTP clients: build the request, then read the answer the way
// luxd and geth send it (errors may come with HTTP 200 or with 4xx/5xx; the RPC error wins).
import { LuxopsError } from './errors.js';
import { HttpStatusError, JsonRpcError } from './http-errors.js';
import { redactUrl } from './redact-url.js';

let nextId = 1;

/** POST one call through `send` (which returns status + text body) and return its result. */
export async function jsonRpcCall<T>(send: (body: string) => Promise<{ status: number; body: string }>, url: string, method: string, params?: unknown): Promise<T> {
  const id = nextId++;
  const payload = JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
  const res = await send(payload);
  let msg: { result?: T; error?: { code?: number; message?: string; data?: unknown } } | undefined;
  try {
    msg = JSON.parse(res.body);
  } catch {
    msg = undefined;
  }
  if (msg && typeof msg === 'object' && msg.error) throw new JsonRpcError(url, method, msg.error);
  if (res.status < 200 || res.status >= 300) throw new HttpStatusError('POST', url, res.status, res.body.slice(0, 512));
  if (!msg || typeof msg !== 'object' || !('result' in msg)) {
    throw new LuxopsError('E_JSONRPC_BAD_RESPONSE', `${method} on "${redactUrl(url)}": response is not JSON-RPC 2.0`);
  }
  return msg.result as T;
}
