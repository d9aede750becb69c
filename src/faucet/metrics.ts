// Prometheus text exposition written by hand (the format is small and stable; no client library
// needed), served on the admin listener only. Names follow the project's conventions: one
// `luxops_faucet_` prefix, base units in the name (`_seconds`, `_wei`), counters end in `_total`,
// and a `_tokens` gauge beside each `_wei` one (a float cannot hold wei exactly, but dashboards
// want tokens). Every label set is bounded: routes, outcomes, RPC methods the faucet itself calls.

export const DRIP_OUTCOMES = ['sent', 'pending', 'limited', 'invalid', 'unavailable', 'rejected', 'error', 'denied', 'pow_failed', 'over_budget'] as const;
export type DripOutcome = (typeof DRIP_OUTCOMES)[number];

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const P = 'luxops_faucet_';

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length).fill(0);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) this.counts[i]!++;
  }
}

/** A label value escaped per the exposition format. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** wei as a decimal token number (18 decimals) for the `_tokens` gauges. */
export function weiToTokens(wei: bigint): string {
  const neg = wei < 0n;
  const abs = neg ? -wei : wei;
  const frac = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / 10n ** 18n}${frac ? `.${frac}` : ''}`;
}

export interface Gauges {
  accounts: Array<{ address: string; balanceWei: bigint | undefined; inFlight: number; nextNonce: number | undefined; unsettled: number; resyncs: number; reconciled: Readonly<Record<string, number>> }>;
  rpc: Array<{ url: string; ok: boolean }>;
  limitEntries: { ip: number; address: number };
  stateWriteErrors: number;
  /** the configured native amount of one drip (--amount), for "drips left" alerts */
  dripAmountWei: bigint;
}

function histogram(out: string[], name: string, help: string, labelName: string, hs: Map<string, Histogram>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const [key, h] of hs) {
    const l = `${labelName}="${label(key)}"`;
    BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${l},le="${b}"} ${h.counts[i]}`));
    out.push(`${name}_bucket{${l},le="+Inf"} ${h.count}`, `${name}_sum{${l}} ${h.sum}`, `${name}_count{${l}} ${h.count}`);
  }
}

export class Metrics {
  private readonly drips = new Map<DripOutcome, number>(DRIP_OUTCOMES.map((o) => [o, 0]));
  private readonly latency = new Map<string, Histogram>();
  private readonly rpcLatency = new Map<string, Histogram>();
  private readonly rpcErrors = new Map<string, number>();
  /** requests whose client went away mid-request (logged at debug only) */
  clientAborts = 0;
  /** more families appended to the exposition (the opt-in protections, issue #17) */
  readonly extra: Array<() => string> = [];

  drip(outcome: DripOutcome): void {
    this.drips.set(outcome, (this.drips.get(outcome) ?? 0) + 1);
  }

  dripCount(outcome: DripOutcome): number {
    return this.drips.get(outcome) ?? 0;
  }

  /** Record a finished request; `route` is one of the known routes or "other" (bounded label set). */
  request(route: string, seconds: number): void {
    let h = this.latency.get(route);
    if (!h) this.latency.set(route, (h = new Histogram()));
    h.observe(seconds);
  }

  /** Record one JSON-RPC attempt (RpcPool's observer). */
  rpc(method: string, seconds: number, errorKind: string | undefined): void {
    let h = this.rpcLatency.get(method);
    if (!h) this.rpcLatency.set(method, (h = new Histogram()));
    h.observe(seconds);
    if (errorKind !== undefined) {
      const k = `${method}\u0000${errorKind}`;
      this.rpcErrors.set(k, (this.rpcErrors.get(k) ?? 0) + 1);
    }
  }

  render(g: Gauges): string {
    const out: string[] = [];
    const gauge = (name: string, help: string, type = 'gauge') => out.push(`# HELP ${P}${name} ${help}`, `# TYPE ${P}${name} ${type}`);
    gauge('drips_total', 'Drip requests by outcome (pending: charged, the node did not confirm in time).', 'counter');
    for (const [o, n] of this.drips) out.push(`${P}drips_total{outcome="${o}"} ${n}`);
    histogram(out, `${P}http_request_duration_seconds`, 'HTTP request latency by route.', 'route', this.latency);
    gauge('client_aborts_total', 'Requests the client abandoned before the answer.', 'counter');
    out.push(`${P}client_aborts_total ${this.clientAborts}`);
    histogram(out, `${P}rpc_request_duration_seconds`, 'JSON-RPC request latency by method (one per endpoint attempt).', 'method', this.rpcLatency);
    gauge('rpc_errors_total', 'Failed JSON-RPC requests by method and kind (rpc_error = the node answered with an error).', 'counter');
    for (const [k, n] of this.rpcErrors) {
      const [method, kind] = k.split('\u0000') as [string, string];
      out.push(`${P}rpc_errors_total{method="${label(method)}",kind="${kind}"} ${n}`);
    }
    gauge('balance_wei', 'Faucet account balance in wei (last refresh minus drips since).');
    for (const a of g.accounts) if (a.balanceWei !== undefined) out.push(`${P}balance_wei{address="${a.address}"} ${a.balanceWei.toString()}`);
    gauge('balance_tokens', 'Faucet account balance in tokens (18 decimals; the same value as _wei, as a float).');
    for (const a of g.accounts) if (a.balanceWei !== undefined) out.push(`${P}balance_tokens{address="${a.address}"} ${weiToTokens(a.balanceWei)}`);
    // balance / drip amount = drips left (deploy/components/monitoring alerts below 100)
    gauge('drip_amount_wei', 'Native amount one drip sends (--amount), in wei.');
    out.push(`${P}drip_amount_wei ${g.dripAmountWei.toString()}`);
    gauge('drip_amount_tokens', 'Native amount one drip sends (--amount), in tokens (18 decimals, as a float).');
    out.push(`${P}drip_amount_tokens ${weiToTokens(g.dripAmountWei)}`);
    gauge('nonce_in_flight', 'Transfers queued for or holding the next nonce.');
    for (const a of g.accounts) out.push(`${P}nonce_in_flight{address="${a.address}"} ${a.inFlight}`);
    gauge('next_nonce', 'Nonce the next transfer will use.');
    for (const a of g.accounts) if (a.nextNonce !== undefined) out.push(`${P}next_nonce{address="${a.address}"} ${a.nextNonce}`);
    gauge('unsettled_transfers', 'Transfers the node did not confirm, not reconciled yet (their nonces stay reserved).');
    for (const a of g.accounts) out.push(`${P}unsettled_transfers{address="${a.address}"} ${a.unsettled}`);
    gauge('reconciled_transfers_total', 'Unconfirmed transfers settled, by result (found, rebroadcast: it exists; consumed, dropped: it never will).', 'counter');
    for (const r of ['found', 'rebroadcast', 'consumed', 'dropped']) out.push(`${P}reconciled_transfers_total{result="${r}"} ${g.accounts.reduce((s, a) => s + (a.reconciled[r] ?? 0), 0)}`);
    gauge('nonce_resyncs_total', 'Times a key read its nonce from the node again after a refusal or a failed send.', 'counter');
    out.push(`${P}nonce_resyncs_total ${g.accounts.reduce((s, a) => s + a.resyncs, 0)}`);
    gauge('rpc_up', 'Whether the RPC endpoint answered at the last contact (URL without credentials or query values).');
    for (const r of g.rpc) out.push(`${P}rpc_up{endpoint="${label(r.url)}"} ${r.ok ? 1 : 0}`);
    gauge('rate_limit_entries', 'Keys tracked by the rate limiter.');
    out.push(`${P}rate_limit_entries{table="ip"} ${g.limitEntries.ip}`, `${P}rate_limit_entries{table="address"} ${g.limitEntries.address}`);
    gauge('state_write_errors_total', 'Failed appends to --state-file (each refused a drip).', 'counter');
    out.push(`${P}state_write_errors_total ${g.stateWriteErrors}`);
    return out.join('\n') + '\n' + this.extra.map((f) => f()).join('');
  }
}
