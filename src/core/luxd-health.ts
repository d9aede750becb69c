// luxd's health endpoint, shared by `startup` (supervisor/sidecar) and `rlp-import` (wait before
// importing). Older luxd serves every route under /ext, newer releases under /v1; `auto` probes
// `<prefix>/health` for /ext then /v1 and keeps the one that answers. Healthy means HTTP 200 and
// JSON `healthy: true`; the 503 answer carries the same checks body, which names what is failing.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { lightHttpText } from './node-http.js';
import { errorMessage } from './errors.js';
import { formatDuration } from './units.js';

/** The route prefixes luxd releases use. */
export type ApiPrefix = '/ext' | '/v1';
/** What a `--api-prefix` flag may say. */
export type ApiPrefixMode = 'auto' | ApiPrefix;
/** Probe order for `auto`: the chart's images (v1.23.x) use /ext, so it is tried first. */
export const API_PREFIXES: readonly ApiPrefix[] = ['/ext', '/v1'];

/** One health poll's outcome; never an exception (a refused connection is just "not healthy"). */
export interface HealthResult {
  readonly healthy: boolean;
  /** HTTP status, absent when the request did not complete */
  readonly status?: number;
  /** names of the checks that report an error (empty when healthy or when no body came back) */
  readonly failing: readonly string[];
  /** why there is no checks body: `ECONNREFUSED`, `timed out`, `404 Not Found`, `not JSON` */
  readonly error?: string;
}

export interface HealthRequestOptions {
  /** per-request timeout (default 5 s) */
  readonly timeoutMs?: number;
  /** the caller's abort; an abort is re-thrown, never turned into a result */
  readonly signal?: AbortSignal;
}

/** `<api-url><prefix>/health`. */
export function healthUrl(apiUrl: string, prefix: ApiPrefix): string {
  return `${apiUrl.replace(/\/+$/, '')}${prefix}/health`;
}

interface HealthBody {
  healthy?: unknown;
  checks?: Record<string, { error?: unknown } | undefined>;
}

function failingChecks(body: HealthBody): string[] {
  const checks = body.checks && typeof body.checks === 'object' ? body.checks : {};
  return Object.keys(checks)
    .filter((name) => {
      const c = checks[name];
      return c !== undefined && c !== null && c.error !== undefined && c.error !== null && c.error !== '';
    })
    .sort();
}

/** GET one health URL and classify the answer. Throws only when `opts.signal` aborts. */
export async function checkHealth(url: string, opts: HealthRequestOptions = {}): Promise<HealthResult> {
  let res: Awaited<ReturnType<typeof lightHttpText>>;
  try {
    res = await lightHttpText('GET', url, undefined, { timeoutMs: opts.timeoutMs ?? 5000, signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    const cause = (e as { cause?: { code?: string } }).cause;
    return { healthy: false, failing: [], error: cause?.code ?? errorMessage(e).replace(/^\[GET\] "[^"]*": /, '') };
  }
  let body: HealthBody | undefined;
  try {
    const parsed: unknown = JSON.parse(res.body);
    body = parsed && typeof parsed === 'object' ? (parsed as HealthBody) : undefined;
  } catch {
    body = undefined;
  }
  if (!body || typeof body.healthy !== 'boolean') {
    return { healthy: false, status: res.status, failing: [], error: res.status === 200 ? 'not JSON' : `HTTP ${res.status}` };
  }
  return { healthy: res.status === 200 && body.healthy === true, status: res.status, failing: failingChecks(body) };
}

/** True when the answer came from a luxd health handler (200 or 503 with a checks body), i.e. the prefix exists. */
export function answeredHealth(r: HealthResult): boolean {
  return r.status !== undefined && r.error === undefined;
}

/**
 * One probing pass: the fixed prefix as-is, or for `auto` the first of /ext, /v1 whose health route
 * answers. Returns the prefix and that poll's result, or `prefix: undefined` when nothing answered
 * yet (luxd not listening, or still registering its routes) so the caller polls again.
 */
export async function resolveApiPrefix(apiUrl: string, mode: ApiPrefixMode, opts: HealthRequestOptions = {}): Promise<{ prefix: ApiPrefix | undefined; result: HealthResult }> {
  if (mode !== 'auto') return { prefix: mode, result: await checkHealth(healthUrl(apiUrl, mode), opts) };
  let last: HealthResult = { healthy: false, failing: [], error: 'not probed' };
  for (const prefix of API_PREFIXES) {
    last = await checkHealth(healthUrl(apiUrl, prefix), opts);
    if (answeredHealth(last)) return { prefix, result: last };
    // connection refused: the other prefix cannot answer either
    if (last.status === undefined) break;
  }
  return { prefix: undefined, result: last };
}

export interface WaitHealthyOptions {
  readonly apiUrl: string;
  readonly apiPrefix: ApiPrefixMode;
  /** give up after this long (the result then says healthy: false) */
  readonly timeoutMs: number;
  /** pause between polls */
  readonly intervalMs: number;
  /** per-request timeout (default 5 s) */
  readonly requestTimeoutMs?: number;
  /** the caller's abort (shutdown, or the supervised luxd exiting) */
  readonly signal?: AbortSignal;
  readonly log?: Logger;
  /** called after every poll (metrics, readiness) */
  readonly onPoll?: (r: HealthResult, prefix: ApiPrefix | undefined) => void;
  readonly now?: () => number;
  /** an info line (elapsed, timeout, luxd's reason) this often while unhealthy; default 30 s */
  readonly progressEveryMs?: number;
}

/** Why a poll was not healthy, as one phrase: luxd's failing checks, or what the request got. */
export function describeHealth(r: HealthResult): string {
  if (r.failing.length > 0) return `failing checks: ${r.failing.join(', ')}`;
  return r.error ?? (r.status !== undefined ? `HTTP ${r.status}` : 'no answer');
}

export interface WaitHealthyResult {
  readonly healthy: boolean;
  /** the prefix that answered, undefined if none ever did */
  readonly prefix: ApiPrefix | undefined;
  /** the last poll */
  readonly last: HealthResult;
  readonly polls: number;
  readonly elapsedMs: number;
}

/**
 * Poll until healthy or `timeoutMs`. Does not throw on timeout (the supervisor keeps luxd running;
 * rlp-import turns it into its own error); throws the abort reason when `signal` aborts, at once,
 * also in the middle of a pause.
 */
export async function waitHealthy(opts: WaitHealthyOptions): Promise<WaitHealthyResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  let prefix: ApiPrefix | undefined = opts.apiPrefix === 'auto' ? undefined : opts.apiPrefix;
  let last: HealthResult = { healthy: false, failing: [], error: 'not polled' };
  let polls = 0;
  const req: HealthRequestOptions = { timeoutMs: opts.requestTimeoutMs ?? 5000, signal: opts.signal };
  // a bootstrapping validator may take the chart's whole 1800 s: never wait silently at info level
  const every = opts.progressEveryMs ?? 30_000;
  let nextProgress = started + every;
  for (;;) {
    opts.signal?.throwIfAborted();
    if (prefix === undefined) {
      const probe = await resolveApiPrefix(opts.apiUrl, 'auto', req);
      prefix = probe.prefix;
      last = probe.result;
      if (prefix !== undefined) opts.log?.info({ apiPrefix: prefix }, `luxd answers under ${prefix}`);
    } else {
      last = await checkHealth(healthUrl(opts.apiUrl, prefix), req);
    }
    polls++;
    opts.onPoll?.(last, prefix);
    const elapsedMs = now() - started;
    if (last.healthy) return { healthy: true, prefix, last, polls, elapsedMs };
    if (elapsedMs >= opts.timeoutMs) return { healthy: false, prefix, last, polls, elapsedMs };
    if (every > 0 && now() >= nextProgress) {
      while (nextProgress <= now()) nextProgress += every;
      opts.log?.info(
        { elapsedS: Math.round(elapsedMs / 1000), timeoutS: Math.round(opts.timeoutMs / 1000), polls, status: last.status, failing: last.failing, error: last.error },
        `waiting for luxd to turn healthy: ${formatDuration(Math.round(elapsedMs / 1000) * 1000)} of ${formatDuration(opts.timeoutMs)} (${describeHealth(last)})`,
      );
    } else {
      opts.log?.debug({ status: last.status, failing: last.failing, error: last.error }, 'luxd not healthy yet');
    }
    await pause(Math.min(opts.intervalMs, Math.max(0, opts.timeoutMs - elapsedMs)), opts.signal);
  }
}

/** Sleep that ends early on abort and rejects with the signal's own reason (not a generic AbortError). */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (e) {
    throw signal?.aborted ? signal.reason : e;
  }
}
