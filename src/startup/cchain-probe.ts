// The C-chain state probe: luxd's health route says the C-chain is up, but after a restart that
// followed a large import, luxd v1.23's pathdb can be left without the head's state ("missing trie
// node"): blocks and health look fine, every state read fails. So besides health, read state at
// `latest` (eth_blockNumber, then eth_getBalance of a fixed address) on <prefix>/bc/C/rpc, and when
// that fails, read luxd's own C-chain health check (a chain that failed to be created has no RPC
// route; its check carries the error). Only luxd's own corruption texts count as corrupt: a timeout,
// a refused connection or any other error is "unreachable" or "error", never a reason to delete data.
import { errorMessage } from '../core/errors.js';
import { HttpNetworkError, HttpStatusError, JsonRpcError } from '../core/http-errors.js';
import { createLightJsonRpcClient, lightHttpText } from '../core/node-http.js';
import type { ApiPrefix } from '../core/luxd-health.js';

/**
 * What luxd answers when the C-chain's state is gone (luxfi/geth trie/errors.go, triedb/pathdb,
 * luxfi/evm; the exact texts are in test/fixtures/fake-luxd.mjs's header and the README).
 * "layer stale" is left out on purpose: pathdb gives it transiently when a layer is flattened
 * under a concurrent read.
 */
export const CORRUPT_MARKERS: readonly RegExp[] = [
  /missing trie node/i,
  /required historical state unavailable/i,
  /\bstate 0x[0-9a-f]{64} is not available/i,
];

/** The marker found in `text`, or undefined. */
export function corruptMarker(text: string): string | undefined {
  for (const re of CORRUPT_MARKERS) {
    const m = re.exec(text);
    if (m) return m[0];
  }
  return undefined;
}

/** One probe's outcome. */
export type ProbeVerdict =
  | { readonly state: 'ok'; readonly height: number }
  /** luxd itself says the state is gone; `reason` is its text (clipped) */
  | { readonly state: 'corrupt'; readonly reason: string; readonly source: 'eth_blockNumber' | 'eth_getBalance' | 'health'; readonly height?: number }
  /** no answer: refused, timed out, route not registered (without a corrupt health check) */
  | { readonly state: 'unreachable'; readonly reason: string }
  /** an answer that says something else went wrong (not a reason to recover) */
  | { readonly state: 'error'; readonly reason: string };

export interface ProbeOptions {
  readonly apiUrl: string;
  readonly prefix: ApiPrefix;
  /** chain route name (default C) */
  readonly chain?: string;
  /** the account whose balance is read at latest (any account: the read walks the state trie from its root) */
  readonly address?: string;
  /** per request (default 10 s) */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export const PROBE_ADDRESS = '0x0000000000000000000000000000000000000000';
const MAX_REASON = 300;

const clip = (s: string) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON)}...` : s);

/** `<api-url><prefix>/bc/<chain>/rpc`. */
export function chainRpcUrl(apiUrl: string, prefix: ApiPrefix, chain = 'C'): string {
  return `${apiUrl.replace(/\/+$/, '')}${prefix}/bc/${chain}/rpc`;
}

/** luxd's health check for the chain (the `C` entry of `<prefix>/health`): its error text, if any. */
export async function chainHealthError(opts: ProbeOptions): Promise<string | undefined> {
  const url = `${opts.apiUrl.replace(/\/+$/, '')}${opts.prefix}/health`;
  let body: string;
  try {
    body = (await lightHttpText('GET', url, undefined, { timeoutMs: opts.timeoutMs ?? 10_000, signal: opts.signal })).body;
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    return undefined;
  }
  try {
    const doc = JSON.parse(body) as { checks?: Record<string, { error?: unknown } | null> };
    const err = doc.checks?.[opts.chain ?? 'C']?.error;
    return typeof err === 'string' && err !== '' ? err : undefined;
  } catch {
    return undefined;
  }
}

function classify(e: unknown, method: 'eth_blockNumber' | 'eth_getBalance'): ProbeVerdict {
  if (e instanceof JsonRpcError) {
    const marker = corruptMarker(e.rpcMessage);
    if (marker !== undefined) return { state: 'corrupt', reason: clip(e.rpcMessage), source: method };
    return { state: 'error', reason: clip(`${method}: ${e.rpcMessage} (code ${e.rpcCode})`) };
  }
  if (e instanceof HttpNetworkError) return { state: 'unreachable', reason: clip(errorMessage(e)) };
  if (e instanceof HttpStatusError) return { state: 'unreachable', reason: clip(errorMessage(e)) };
  return { state: 'error', reason: clip(`${method}: ${errorMessage(e)}`) };
}

/** Probe once. Never throws, except the caller's abort. */
export async function probeCChain(opts: ProbeOptions): Promise<ProbeVerdict> {
  const url = chainRpcUrl(opts.apiUrl, opts.prefix, opts.chain);
  const rpc = createLightJsonRpcClient(url, { timeoutMs: opts.timeoutMs ?? 10_000 });
  const call = async <T>(method: string, params: unknown[]) => rpc.call<T>(method, params, { signal: opts.signal });
  let verdict: ProbeVerdict;
  let height: number | undefined;
  try {
    const hex = await call<string>('eth_blockNumber', []);
    height = typeof hex === 'string' && /^0x[0-9a-f]+$/i.test(hex) ? Number.parseInt(hex, 16) : undefined;
    if (height === undefined) return { state: 'error', reason: `eth_blockNumber: unexpected answer ${clip(JSON.stringify(hex) ?? 'undefined')}` };
    await call<string>('eth_getBalance', [opts.address ?? PROBE_ADDRESS, 'latest']);
    return { state: 'ok', height };
  } catch (e) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? e;
    verdict = classify(e, height === undefined ? 'eth_blockNumber' : 'eth_getBalance');
  }
  if (verdict.state === 'corrupt') return height === undefined ? verdict : { ...verdict, height };
  // no state answer: a C-chain that failed to be created says why in its health check
  const healthErr = await chainHealthError(opts);
  if (healthErr !== undefined && corruptMarker(healthErr) !== undefined) return { state: 'corrupt', reason: clip(healthErr), source: 'health' };
  return verdict;
}
