// The faucet's EVM endpoints: --rpc-url in order of preference. A call goes to the last endpoint
// that answered and falls over to the others on transport failures (connection refused, timeout,
// HTTP 5xx/404, an answer over --rpc-max-response); a JSON-RPC error is the node's real answer and
// is returned at once. An endpoint whose eth_chainId differs from --chain-id is never used. Every
// attempt is reported to `observe` (metrics: latency and errors by method).
import { createJsonRpcClient, httpText, HttpNetworkError, HttpStatusError, JsonRpcError } from '../core/http.js';
import type { JsonRpcClient } from '../core/http.js';
import { LuxopsError, errorMessage } from '../core/errors.js';
import { redactUrl } from '../core/redact-url.js';

export interface EndpointStatus {
  /** redacted: no credentials, no query values */
  url: string;
  ok: boolean;
  chainId?: number;
  error?: string;
}

interface Endpoint {
  readonly url: string;
  readonly client: JsonRpcClient;
  readonly shown: string;
  ok: boolean;
  chainId?: number;
  error?: string;
}

/** Called once per HTTP attempt: JSON-RPC method, seconds, and the error kind when it failed. */
export type RpcObserver = (method: string, seconds: number, errorKind: string | undefined) => void;

export interface RpcPoolOptions {
  timeoutMs: number;
  maxResponseBytes?: number;
  observe?: RpcObserver;
}

/** True for failures that say nothing about the transaction: try the next endpoint. */
function isTransport(e: unknown): boolean {
  return e instanceof HttpNetworkError || (e instanceof HttpStatusError && (e.status >= 500 || e.status === 404 || e.status === 429)) || (e instanceof LuxopsError && e.code === 'E_JSONRPC_BAD_RESPONSE');
}

/** True when a failed request may still have been acted on by the node (a timeout, a reset, a 5xx, garbage). */
export function maybeDelivered(e: unknown): boolean {
  if (e instanceof HttpNetworkError) return e.maybeDelivered;
  if (e instanceof HttpStatusError) return e.status >= 500;
  if (e instanceof NoRpcError) return e.maybeDelivered;
  return !(e instanceof JsonRpcError);
}

/** A bounded label for metrics: what kind of failure a call ended in. */
export function errorKind(e: unknown): string {
  if (e instanceof JsonRpcError) return 'rpc_error';
  if (e instanceof LuxopsError) {
    const kinds: Record<string, string> = { E_HTTP_TIMEOUT: 'timeout', E_HTTP_NETWORK: 'network', E_HTTP_STATUS: 'http_status', E_HTTP_TOO_LARGE: 'too_large', E_JSONRPC_BAD_RESPONSE: 'bad_response' };
    return kinds[e.code] ?? 'other';
  }
  return 'other';
}

/** Thrown when no endpoint answered; `maybeDelivered` when some attempt may have reached a node. */
export class NoRpcError extends LuxopsError {
  readonly maybeDelivered: boolean;
  constructor(detail: string, delivered = false) {
    super('E_NO_RPC', `no RPC endpoint answered: ${detail}`);
    this.maybeDelivered = delivered;
  }
}

export class RpcPool {
  private readonly endpoints: Endpoint[];
  private preferred = 0;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number | undefined;
  private readonly observe: RpcObserver;

  /** set once a node answered a batch with something else: from then on calls go one by one */
  private noBatch = false;

  constructor(urls: readonly string[], private readonly expectedChainId: number | undefined, opts: RpcPoolOptions | number) {
    const o = typeof opts === 'number' ? { timeoutMs: opts } : opts;
    this.timeoutMs = o.timeoutMs;
    this.maxResponseBytes = o.maxResponseBytes;
    this.observe = o.observe ?? (() => {});
    this.endpoints = urls.map((url) => ({ url, client: createJsonRpcClient(url, { timeoutMs: o.timeoutMs, maxResponseBytes: o.maxResponseBytes }), shown: redactUrl(url), ok: false }));
  }

  /** Per-endpoint status (admin health): URLs and errors carry no credentials. */
  status(): EndpointStatus[] {
    return this.endpoints.map((e) => ({ url: e.shown, ok: e.ok, ...(e.chainId !== undefined ? { chainId: e.chainId } : {}), ...(e.error ? { error: e.error } : {}) }));
  }

  private usable(e: Endpoint): boolean {
    return this.expectedChainId === undefined || e.chainId === undefined || e.chainId === this.expectedChainId;
  }

  /** One timed attempt on one endpoint, reported to the observer. */
  private async timed<T>(method: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await fn();
      this.observe(method, (performance.now() - t0) / 1000, undefined);
      return r;
    } catch (e) {
      this.observe(method, (performance.now() - t0) / 1000, errorKind(e));
      throw e;
    }
  }

  /** Ask every endpoint for eth_chainId (in parallel); returns the chain id of the first good one. */
  async probe(): Promise<number | undefined> {
    await Promise.all(
      this.endpoints.map(async (e) => {
        try {
          const id = Number(BigInt(await this.timed('eth_chainId', () => e.client.call<string>('eth_chainId'))));
          e.chainId = id;
          e.ok = this.usable(e);
          e.error = e.ok ? undefined : `chain id ${id}, expected ${this.expectedChainId}`;
        } catch (err) {
          e.ok = false;
          e.error = errorMessage(err);
        }
      }),
    );
    return this.endpoints.find((e) => e.ok)?.chainId;
  }

  /** True when some endpoint answered with a chain id other than --chain-id. */
  chainMismatch(): EndpointStatus | undefined {
    const bad = this.endpoints.find((e) => e.chainId !== undefined && !this.usable(e));
    return bad ? this.status()[this.endpoints.indexOf(bad)] : undefined;
  }

  /** Run `fn` on the preferred endpoint, falling over to the others on transport failures. */
  private async onEndpoints<T>(method: string, fn: (e: Endpoint) => Promise<T>): Promise<T> {
    const n = this.endpoints.length;
    const reasons: string[] = [];
    let delivered = false;
    for (let k = 0; k < n; k++) {
      const i = (this.preferred + k) % n;
      const e = this.endpoints[i]!;
      if (!this.usable(e)) continue;
      try {
        const result = await this.timed(method, () => fn(e));
        e.ok = true;
        e.error = undefined;
        this.preferred = i;
        return result;
      } catch (err) {
        if (err instanceof JsonRpcError || !isTransport(err)) {
          e.ok = true;
          throw err;
        }
        e.ok = false;
        e.error = errorMessage(err);
        delivered ||= maybeDelivered(err);
        reasons.push(e.error);
      }
    }
    throw new NoRpcError(reasons.join('; ') || 'no endpoint with the expected chain id', delivered);
  }

  /** Call `method` on the preferred endpoint, falling over on transport failures. */
  call<T>(method: string, params?: unknown): Promise<T> {
    return this.onEndpoints(method, (e) => e.client.call<T>(method, params));
  }

  /**
   * `method` once per params entry in one JSON-RPC batch: the node gets them in this order, in one
   * round trip. Answers come back per item. A node that does not do batches gets single calls.
   */
  async batch<T>(method: string, paramsList: readonly unknown[][]): Promise<BatchItem<T>[]> {
    const single = () => Promise.all(paramsList.map((p) => this.call<T>(method, p).then((result): BatchItem<T> => ({ ok: true, result }), (error: unknown): BatchItem<T> => ({ ok: false, error }))));
    if (paramsList.length === 1 || this.noBatch) return single();
    const answers = await this.onEndpoints(method, async (e) => {
      const payload = paramsList.map((params, i) => ({ jsonrpc: '2.0', id: i + 1, method, params }));
      const res = await httpText('POST', e.url, JSON.stringify(payload), { timeoutMs: this.timeoutMs, maxResponseBytes: this.maxResponseBytes });
      if (res.status >= 500 || res.status === 404 || res.status === 429) throw new HttpStatusError('POST', e.url, res.status, res.body.slice(0, 512));
      let msg: unknown;
      try {
        msg = JSON.parse(res.body);
      } catch {
        msg = undefined;
      }
      if (!Array.isArray(msg)) return undefined;
      const byId = new Map((msg as Array<{ id?: unknown }>).map((m) => [m?.id, m as { result?: T; error?: { code?: number; message?: string } }]));
      return paramsList.map((_, i): BatchItem<T> => {
        const m = byId.get(i + 1);
        // the node had the whole batch: an item it left unanswered may still have been acted on
        if (!m) return { ok: false, error: new NoRpcError(`${e.shown} left item ${i + 1} of a batch unanswered`, true) };
        if (m.error) return { ok: false, error: new JsonRpcError(e.url, method, m.error) };
        return { ok: true, result: m.result as T };
      });
    });
    if (answers) return answers;
    this.noBatch = true;
    return single();
  }
}

export type BatchItem<T> = { ok: true; result: T } | { ok: false; error: unknown };
