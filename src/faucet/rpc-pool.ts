// The faucet's EVM endpoints: --rpc-url in order of preference. A call goes to the last endpoint
// that answered and falls over to the others on transport failures (connection refused, timeout,
// HTTP 5xx/404); a JSON-RPC error is the node's real answer and is returned at once. An endpoint
// whose eth_chainId differs from --chain-id is never used.
import { createJsonRpcClient, httpText, HttpNetworkError, HttpStatusError, JsonRpcError } from '../core/http.js';
import type { JsonRpcClient } from '../core/http.js';
import { LuxopsError, errorMessage } from '../core/errors.js';

export interface EndpointStatus {
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

/** URL without credentials or query (an API key in either must not reach /health or logs). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}

/** True for failures that say nothing about the transaction: try the next endpoint. */
function isTransport(e: unknown): boolean {
  return e instanceof HttpNetworkError || (e instanceof HttpStatusError && (e.status >= 500 || e.status === 404 || e.status === 429)) || (e instanceof LuxopsError && e.code === 'E_JSONRPC_BAD_RESPONSE');
}

/** Thrown when no endpoint answered. */
export class NoRpcError extends LuxopsError {
  constructor(detail: string) {
    super('E_NO_RPC', `no RPC endpoint answered: ${detail}`);
  }
}

export class RpcPool {
  private readonly endpoints: Endpoint[];
  private preferred = 0;

  /** set once a node answered a batch with something else: from then on calls go one by one */
  private noBatch = false;

  constructor(urls: readonly string[], private readonly expectedChainId: number | undefined, private readonly timeoutMs: number) {
    this.endpoints = urls.map((url) => ({ url, client: createJsonRpcClient(url, { timeoutMs }), shown: displayUrl(url), ok: false }));
  }

  /** Per-endpoint status for /health. */
  status(): EndpointStatus[] {
    return this.endpoints.map((e) => ({ url: e.shown, ok: e.ok, ...(e.chainId !== undefined ? { chainId: e.chainId } : {}), ...(e.error ? { error: e.error } : {}) }));
  }

  private usable(e: Endpoint): boolean {
    return this.expectedChainId === undefined || e.chainId === undefined || e.chainId === this.expectedChainId;
  }

  /** Ask every endpoint for eth_chainId (in parallel); returns the chain id of the first good one. */
  async probe(): Promise<number | undefined> {
    await Promise.all(
      this.endpoints.map(async (e) => {
        try {
          const id = Number(BigInt(await e.client.call<string>('eth_chainId')));
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
  private async onEndpoints<T>(fn: (e: Endpoint) => Promise<T>): Promise<T> {
    const n = this.endpoints.length;
    const reasons: string[] = [];
    for (let k = 0; k < n; k++) {
      const i = (this.preferred + k) % n;
      const e = this.endpoints[i]!;
      if (!this.usable(e)) continue;
      try {
        const result = await fn(e);
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
        reasons.push(e.error);
      }
    }
    throw new NoRpcError(reasons.join('; ') || 'no endpoint with the expected chain id');
  }

  /** Call `method` on the preferred endpoint, falling over on transport failures. */
  call<T>(method: string, params?: unknown): Promise<T> {
    return this.onEndpoints((e) => e.client.call<T>(method, params));
  }

  /**
   * `method` once per params entry in one JSON-RPC batch: the node gets them in this order, in one
   * round trip. Answers come back per item. A node that does not do batches gets single calls.
   */
  async batch<T>(method: string, paramsList: readonly unknown[][]): Promise<BatchItem<T>[]> {
    const single = () => Promise.all(paramsList.map((p) => this.call<T>(method, p).then((result): BatchItem<T> => ({ ok: true, result }), (error: unknown): BatchItem<T> => ({ ok: false, error }))));
    if (paramsList.length === 1 || this.noBatch) return single();
    const answers = await this.onEndpoints(async (e) => {
      const payload = paramsList.map((params, i) => ({ jsonrpc: '2.0', id: i + 1, method, params }));
      const res = await httpText('POST', e.url, JSON.stringify(payload), { timeoutMs: this.timeoutMs });
      if (res.status >= 500 || res.status === 404 || res.status === 429) throw new HttpStatusError('POST', e.url, res.status, res.body.slice(0, 512));
      let msg: unknown;
      try {
        msg = JSON.parse(res.body);
      } catch {
        msg = undefined;
      }
      if (!Array.isArray(msg)) return undefined;
      const byId = new Map((msg as Array<{ id?: unknown }>).map((m) => [m.id, m as { result?: T; error?: { code?: number; message?: string } }]));
      return paramsList.map((_, i): BatchItem<T> => {
        const m = byId.get(i + 1);
        if (!m) return { ok: false, error: new NoRpcError(`${displayUrl(e.url)} left item ${i + 1} of a batch unanswered`) };
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
