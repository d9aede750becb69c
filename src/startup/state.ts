// What the supervisor knows right now: phase, child pid, last health poll, each alias, the import.
// One mutable object, written by the lifecycle and read by the status server, so /readyz and
// /status can never disagree with what the logs say.
import type { ApiPrefix, HealthResult } from '../core/luxd-health.js';
import { isoUtc } from '../core/utc-time.js';

export const PHASES = ['starting', 'waiting-health', 'post-start', 'running', 'degraded', 'recovering', 'stopping', 'exited'] as const;
/** Upper bound of distinct luxd health check names kept for /metrics. */
const MAX_TRACKED_CHECKS = 64;
/** Supervisor phase, in the order they happen. */
export type Phase = (typeof PHASES)[number];

/** One `--alias` and how applying it went. */
export interface AliasStatus {
  readonly alias: string;
  readonly chain: string;
  state: 'pending' | 'applying' | 'done' | 'failed';
  error?: string;
}

/** The in-process rlp import (only when `--rlp-base-url` is set). */
export interface ImportStatus {
  state: 'pending' | 'running' | 'imported' | 'skipped' | 'failed';
  phase?: string;
  bytes?: number;
  totalBytes?: number;
  height?: number;
  lastBlock?: number;
  reason?: string;
  error?: string;
}

/** The C-chain state probe's view (see cchain-monitor.ts) and the automatic recovery's progress. */
export interface CChainStatus {
  /** unknown until the first probe; corrupt from a confirmed detection until state reads work again */
  state: 'unknown' | 'ok' | 'corrupt';
  /** luxd's own text, while corrupt */
  reason?: string;
  /** ISO time of the detection */
  since?: string;
  height?: number;
  checkedAt?: string;
  /** the last probe that was neither ok nor corrupt (timeouts, refusals) */
  lastProbeError?: string;
  /** the recovery under way */
  recovery?: { mode: string; step: string; startedAt: string; attempt: number; max: number; progress?: Record<string, unknown> };
  /** why no (further) recovery runs: off, over the bound, unreadable state file; what to do */
  blocked?: string;
  /** how the last recovery ended */
  lastRecovery?: { outcome: 'recovered' | 'failed'; at: string; error?: string };
}

/** The supervisor's live state. */
export class SupervisorState {
  /** the lifecycle's own phase; `phase` overlays degraded/recovering on it */
  basePhase: Phase = 'starting';
  pid: number | undefined;
  apiPrefix: ApiPrefix | undefined;
  health: { healthy: boolean; checkedAt?: string; failing: readonly string[]; error?: string } = { healthy: false, failing: [] };
  readonly aliases: AliasStatus[];
  import: ImportStatus | undefined;
  /** aliases and import have run to an end once (failures included) */
  postStartDone = false;
  /** a post-start failure that readiness must report (health timeout, alias, import) */
  healthTimedOut = false;
  readonly counters = { healthPolls: 0, healthFailures: 0, aliasFailures: 0, importFailures: 0, cchainCorruptions: 0, recoveriesStarted: 0, recoveriesRecovered: 0, recoveriesFailed: 0, recoveriesRefused: 0 };
  readonly cchain: CChainStatus = { state: 'unknown' };
  /** post-start is done and the C-chain state probe has not answered since: not ready yet */
  cchainCheckPending = false;
  /**
   * Every luxd health check seen failing -> failing at the last poll. A check stays listed after it
   * recovers (as 0), so `luxops_startup_luxd_check_failing{check="C"}` can go 1 -> 0; luxd has a
   * handful of checks (one per chain plus node-level ones), capped anyway to bound the label set.
   */
  readonly checksSeenFailing = new Map<string, boolean>();
  private readonly startedMs: number;

  constructor(
    aliases: ReadonlyArray<{ alias: string; chain: string }>,
    withImport: boolean,
    private readonly now: () => number,
  ) {
    this.startedMs = now();
    this.aliases = aliases.map((a) => ({ alias: a.alias, chain: a.chain, state: 'pending' }));
    this.import = withImport ? { state: 'pending' } : undefined;
  }

  /** luxd is started again (a C-chain recovery): its post-start tasks run again; counters and cchain stay. */
  resetForRestart(): void {
    this.basePhase = 'starting';
    this.pid = undefined;
    this.health = { healthy: false, failing: [] };
    for (const a of this.aliases) {
      a.state = 'pending';
      delete a.error;
    }
    if (this.import) this.import = { state: 'pending' };
    this.postStartDone = false;
    this.healthTimedOut = false;
    this.cchainCheckPending = false;
  }

  /** stopping/exited win; then a recovery under way; then a corrupt C-chain; else the lifecycle's phase. */
  get phase(): Phase {
    if (this.basePhase === 'stopping' || this.basePhase === 'exited') return this.basePhase;
    if (this.cchain.recovery) return 'recovering';
    if (this.cchain.state === 'corrupt') return 'degraded';
    return this.basePhase;
  }

  set phase(p: Phase) {
    this.basePhase = p;
  }

  /** Record one health poll. */
  recordPoll(r: HealthResult, prefix: ApiPrefix | undefined): void {
    this.counters.healthPolls++;
    if (!r.healthy) this.counters.healthFailures++;
    if (prefix !== undefined) this.apiPrefix = prefix;
    for (const name of this.checksSeenFailing.keys()) this.checksSeenFailing.set(name, false);
    for (const name of r.failing) if (this.checksSeenFailing.has(name) || this.checksSeenFailing.size < MAX_TRACKED_CHECKS) this.checksSeenFailing.set(name, true);
    this.health = { healthy: r.healthy, checkedAt: isoUtc(this.now()), failing: r.failing, ...(r.error ? { error: r.error } : {}) };
  }

  /** Ready = last poll healthy and every post-start task finished well; otherwise the first reason. */
  readiness(): { ready: true } | { ready: false; reason: string } {
    if (this.phase === 'stopping' || this.phase === 'exited') return { ready: false, reason: `supervisor is ${this.phase}` };
    if (this.health.checkedAt === undefined) return { ready: false, reason: 'luxd health not checked yet' };
    if (this.cchain.recovery) return { ready: false, reason: `C-chain recovery (${this.cchain.recovery.mode}) in progress: ${this.cchain.recovery.step}` };
    if (this.cchain.state === 'corrupt') return { ready: false, reason: `C-chain state is corrupt since ${this.cchain.since ?? '?'}: ${this.cchain.reason ?? 'unknown'}` };
    if (!this.health.healthy) {
      const why = this.health.failing.length > 0 ? `failing checks: ${this.health.failing.join(', ')}` : (this.health.error ?? 'unhealthy');
      return { ready: false, reason: `luxd is not healthy (${why})` };
    }
    for (const a of this.aliases) {
      if (a.state === 'failed') return { ready: false, reason: `alias ${a.alias} failed: ${a.error ?? 'unknown error'}` };
      if (a.state !== 'done') return { ready: false, reason: `alias ${a.alias} not applied yet` };
    }
    if (this.import) {
      if (this.import.state === 'failed') return { ready: false, reason: `rlp import failed: ${this.import.error ?? 'unknown error'}` };
      if (this.import.state === 'pending' || this.import.state === 'running') return { ready: false, reason: `rlp import ${this.import.state}` };
    }
    if (!this.postStartDone) return { ready: false, reason: 'post-start tasks not finished' };
    if (this.cchainCheckPending) return { ready: false, reason: 'C-chain state not checked yet' };
    return { ready: true };
  }

  uptimeS(): number {
    return Math.round((this.now() - this.startedMs) / 100) / 10;
  }

  /** The `/status` document. */
  snapshot(): Record<string, unknown> {
    return {
      phase: this.phase,
      pid: this.pid ?? null,
      uptimeS: this.uptimeS(),
      apiPrefix: this.apiPrefix ?? null,
      health: { healthy: this.health.healthy, checkedAt: this.health.checkedAt ?? null, failing: [...this.health.failing], ...(this.health.error ? { error: this.health.error } : {}) },
      aliases: this.aliases.map((a) => ({ alias: a.alias, chain: a.chain, state: a.state, ...(a.error ? { error: a.error } : {}) })),
      ...(this.import ? { import: { ...this.import } } : {}),
      cchain: JSON.parse(JSON.stringify(this.cchain)) as unknown,
      ...this.readiness(),
    };
  }
}
