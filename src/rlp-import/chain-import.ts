// Talk to luxd's C-chain RPC: wait for health, read the height, run `admin_importChain` (which
// blocks for the whole import) while polling `eth_blockNumber` to log height, blocks/s and ETA, and
// keep following the height when the HTTP answer is lost (server write timeout, --rpc-timeout).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { createJsonRpcClient, JsonRpcError } from '../core/http.js';
import type { JsonRpcClient } from '../core/http.js';
import { LuxopsError, errorMessage } from '../core/errors.js';
import { withRetry } from '../core/retry.js';
import { waitHealthy, resolveApiPrefix } from '../core/luxd-health.js';
import type { ApiPrefixMode } from '../core/luxd-health.js';

export interface ChainTarget {
  readonly apiUrl: string;
  readonly apiPrefix: ApiPrefixMode;
  readonly chain: string;
  readonly waitHealthy: boolean;
  readonly healthTimeoutMs: number;
}

/** Resolve the prefix (waiting for health when asked) and return the chain's RPC client. */
export async function connectChain(t: ChainTarget, log: Logger, signal: AbortSignal): Promise<JsonRpcClient> {
  let prefix: string | undefined;
  if (t.waitHealthy) {
    const r = await waitHealthy({ apiUrl: t.apiUrl, apiPrefix: t.apiPrefix, timeoutMs: t.healthTimeoutMs, intervalMs: 2000, signal, log });
    if (!r.healthy) {
      const why = r.last.failing.length > 0 ? `failing checks: ${r.last.failing.join(', ')}` : (r.last.error ?? `HTTP ${r.last.status}`);
      throw new LuxopsError('E_NOT_HEALTHY', `luxd at ${t.apiUrl} is not healthy after ${Math.round(r.elapsedMs / 1000)}s (--health-timeout): ${why}`, { details: { failing: r.last.failing } });
    }
    prefix = r.prefix;
  } else {
    prefix = (await resolveApiPrefix(t.apiUrl, t.apiPrefix, { signal })).prefix;
  }
  if (prefix === undefined) throw new LuxopsError('E_NO_API', `luxd at ${t.apiUrl} answers neither /ext/health nor /v1/health (--api-url, --api-prefix)`);
  const rpcUrl = `${t.apiUrl.replace(/\/+$/, '')}${prefix}/bc/${t.chain}/rpc`;
  log.debug({ rpcUrl }, 'chain RPC');
  return createJsonRpcClient(rpcUrl, { timeoutMs: 15_000 });
}

/** The chain's height via eth_blockNumber (retried on transient failures). */
export async function readHeight(client: JsonRpcClient, signal: AbortSignal): Promise<number> {
  const hex = await withRetry(() => client.call<string>('eth_blockNumber', [], { signal }), { retries: 3, minTimeoutMs: 500, signal });
  if (typeof hex !== 'string' || !/^0x[0-9a-fA-F]+$/.test(hex)) {
    throw new LuxopsError('E_JSONRPC_BAD_RESPONSE', `eth_blockNumber on "${client.url}" returned ${JSON.stringify(hex)}`);
  }
  return Number.parseInt(hex, 16);
}

export interface ImportCall {
  readonly client: JsonRpcClient;
  readonly nodePath: string;
  readonly lastBlock: number | undefined;
  readonly heightBefore: number;
  /** absolute time (ms) when the whole job must be done */
  readonly deadline: number;
  /** 0: wait for the HTTP answer until the deadline */
  readonly rpcTimeoutMs: number;
  readonly pollMs: number;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly onHeight?: (height: number) => void;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

const ALREADY = /no blocks found in file|no blocks imported/;

/** Run admin_importChain to completion; returns the height after. Throws LuxopsError on failure. */
export async function importChain(c: ImportCall): Promise<number> {
  const url = c.client.url;
  // the call legitimately blocks for hours: no undici header/body timeouts, only ours
  const { Agent } = await import('undici');
  const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  const callAc = new AbortController();
  const limit = c.rpcTimeoutMs > 0 ? Math.min(c.rpcTimeoutMs, c.deadline - c.now()) : c.deadline - c.now();
  let outcome: Outcome | undefined;
  const call = c.client
    .call('admin_importChain', [c.nodePath], { dispatcher: agent, timeoutMs: Math.max(1, limit), signal: AbortSignal.any([c.signal, callAc.signal]) })
    .then((result) => (outcome = { ok: true, result }), (error: unknown) => (outcome = { ok: false, error }));
  c.log.info({ path: c.nodePath, lastBlock: c.lastBlock, height: c.heightBefore }, 'admin_importChain started');
  let last = { t: c.now(), height: c.heightBefore };
  const poll = async (): Promise<number | undefined> => {
    try {
      const height = await readHeight(c.client, c.signal);
      const t = c.now();
      const blocksPerS = Math.round(((height - last.height) * 1000) / Math.max(1, t - last.t));
      const etaS = c.lastBlock !== undefined && blocksPerS > 0 ? Math.round((c.lastBlock - height) / blocksPerS) : undefined;
      last = { t, height };
      c.log.info({ height, lastBlock: c.lastBlock, blocksPerS, etaS }, 'importing');
      c.onHeight?.(height);
      return height;
    } catch (e) {
      c.signal.throwIfAborted();
      c.log.warn({ err: errorMessage(e) }, 'cannot read the height');
      return undefined;
    }
  };
  const timedOut = () =>
    new LuxopsError('E_IMPORT_TIMEOUT', `import did not reach block ${c.lastBlock ?? '?'} before --timeout (height ${last.height})`, { details: { height: last.height, lastBlock: c.lastBlock } });
  try {
    while (!outcome) {
      await Promise.race([call, sleep(Math.max(0, Math.min(c.pollMs, c.deadline - c.now())), undefined, { signal: c.signal })]);
      if (outcome) break;
      if (c.now() >= c.deadline) throw timedOut();
      await poll();
    }
    const o: Outcome = outcome;
    if (o.ok) {
      const r = o.result as { success?: unknown; message?: unknown } | boolean;
      if (r !== true && !(r && typeof r === 'object' && r.success === true)) {
        throw new LuxopsError('E_IMPORT_FAILED', `admin_importChain on "${url}" did not succeed: ${JSON.stringify(r).slice(0, 300)}`);
      }
      c.log.info({ result: r }, 'admin_importChain returned');
    } else {
      c.signal.throwIfAborted();
      const e = o.error;
      if (e instanceof JsonRpcError) {
        if (e.rpcCode === -32601) {
          throw new LuxopsError('E_IMPORT_UNAVAILABLE', `admin_importChain is not available on "${url}": set "admin-api-enabled": true in the chain's config (<data-dir>/configs/chains/C/config.json) and restart luxd`, { cause: e });
        }
        if (!ALREADY.test(e.rpcMessage)) throw new LuxopsError('E_IMPORT_FAILED', `admin_importChain on "${url}" failed: ${e.rpcMessage}`, { cause: e });
        const h = await readHeight(c.client, c.signal);
        if (c.lastBlock === undefined || h < c.lastBlock) throw new LuxopsError('E_IMPORT_FAILED', `admin_importChain on "${url}" failed: ${e.rpcMessage} (height ${h})`, { cause: e });
        c.log.info({ height: h, lastBlock: c.lastBlock }, `already imported (${e.rpcMessage})`);
        return h;
      }
      if (c.lastBlock === undefined) {
        throw new LuxopsError('E_IMPORT_LOST', `admin_importChain on "${url}": ${errorMessage(e)}; without validation the last block is unknown, so the import cannot be followed`, { cause: e });
      }
      c.log.warn({ err: errorMessage(e) }, 'no answer from admin_importChain; following the height');
    }
    // after an answer the height should already be there; after a lost answer, follow it
    for (;;) {
      const h = await poll();
      if (h !== undefined && (c.lastBlock === undefined || h >= c.lastBlock)) return h;
      if (c.now() >= c.deadline) throw timedOut();
      await sleep(Math.max(0, Math.min(c.pollMs, c.deadline - c.now())), undefined, { signal: c.signal });
    }
  } finally {
    callAc.abort();
    await agent.destroy().catch(() => undefined);
  }
}
