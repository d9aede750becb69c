// Prometheus text exposition written by hand (the format is small and stable; no client library
// needed): drips by outcome, request latency histogram per route, balances, nonces in flight.

export const DRIP_OUTCOMES = ['sent', 'limited', 'invalid', 'unavailable', 'rejected', 'error', 'denied', 'pow_failed', 'over_budget'] as const;
export type DripOutcome = (typeof DRIP_OUTCOMES)[number];

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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

export interface Gauges {
  accounts: Array<{ address: string; balanceWei: bigint | undefined; inFlight: number; nextNonce: number | undefined }>;
  rpc: Array<{ url: string; ok: boolean }>;
  limitEntries: { ip: number; address: number };
}

export class Metrics {
  private readonly drips = new Map<DripOutcome, number>(DRIP_OUTCOMES.map((o) => [o, 0]));
  private readonly latency = new Map<string, Histogram>();
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

  render(g: Gauges): string {
    const out: string[] = [];
    out.push('# HELP faucet_drips_total Drip requests by outcome.', '# TYPE faucet_drips_total counter');
    for (const [o, n] of this.drips) out.push(`faucet_drips_total{outcome="${o}"} ${n}`);
    out.push('# HELP faucet_request_duration_seconds HTTP request latency.', '# TYPE faucet_request_duration_seconds histogram');
    for (const [route, h] of this.latency) {
      const r = label(route);
      BUCKETS.forEach((b, i) => out.push(`faucet_request_duration_seconds_bucket{route="${r}",le="${b}"} ${h.counts[i]}`));
      out.push(`faucet_request_duration_seconds_bucket{route="${r}",le="+Inf"} ${h.count}`);
      out.push(`faucet_request_duration_seconds_sum{route="${r}"} ${h.sum}`);
      out.push(`faucet_request_duration_seconds_count{route="${r}"} ${h.count}`);
    }
    out.push('# HELP faucet_balance_wei Faucet account balance (last refresh minus drips since).', '# TYPE faucet_balance_wei gauge');
    for (const a of g.accounts) if (a.balanceWei !== undefined) out.push(`faucet_balance_wei{address="${a.address}"} ${a.balanceWei.toString()}`);
    out.push('# HELP faucet_nonce_in_flight Transfers queued for or holding the next nonce.', '# TYPE faucet_nonce_in_flight gauge');
    for (const a of g.accounts) out.push(`faucet_nonce_in_flight{address="${a.address}"} ${a.inFlight}`);
    out.push('# HELP faucet_next_nonce Nonce the next transfer will use.', '# TYPE faucet_next_nonce gauge');
    for (const a of g.accounts) if (a.nextNonce !== undefined) out.push(`faucet_next_nonce{address="${a.address}"} ${a.nextNonce}`);
    out.push('# HELP faucet_rpc_up Whether the RPC endpoint answered at the last contact.', '# TYPE faucet_rpc_up gauge');
    for (const r of g.rpc) out.push(`faucet_rpc_up{url="${label(r.url)}"} ${r.ok ? 1 : 0}`);
    out.push('# HELP faucet_rate_limit_entries Keys tracked by the rate limiter.', '# TYPE faucet_rate_limit_entries gauge');
    out.push(`faucet_rate_limit_entries{table="ip"} ${g.limitEntries.ip}`, `faucet_rate_limit_entries{table="address"} ${g.limitEntries.address}`);
    return out.join('\n') + '\n' + this.extra.map((f) => f()).join('');
  }
}
