// Automatic C-chain recovery (`--cchain-recovery reimport|restore`): what the operators' runbook did by
// hand (clearData=true, delete the pod, watch, revert). The supervisor stops luxd, this module does
// the data part, the supervisor starts luxd again with the same argv and the lifecycle runs the
// post-start tasks (aliases, the RLP import); the recovery counts as done when the C-chain answers
// state reads again. Bounded by the state file (recovery-state.ts); every step is one JSON line
// and /status `cchain.recovery` {step, progress}.
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { LuxopsError, errorMessage } from '../core/errors.js';
import { formatDuration } from '../core/units.js';
import type { RestoreSnapshotConfig } from '../snapshot/restore-options.js';
import { clearChainData } from './clear-chain-data.js';
import type { ClearPlan } from './clear-chain-data.js';
import { loadRecoveryState, recordRecoveryEnd, recordRecoveryStart, recoveryBudget, recoveryStatePath } from './recovery-state.js';
import type { RecoveryMode, RecoveryRecord, RecoveryStateDoc } from './recovery-state.js';
import type { SupervisorState } from './state.js';
import { isoUtc } from '../core/utc-time.js';

export interface RecoverySetup {
  readonly mode: 'off' | RecoveryMode;
  readonly max: number;
  readonly windowMs: number;
  /** the guarded clear: C-chain dir and (reimport) the import marker; absent only with mode off */
  readonly plan: ClearPlan | undefined;
  /** restore-snapshot's config without data dir and marker (restore mode) */
  readonly snapshot?: Omit<RestoreSnapshotConfig, 'dataDir' | 'marker'>;
}

/** A recovery that was allowed and recorded. */
export interface ActiveRecovery {
  readonly mode: RecoveryMode;
  readonly reason: string;
  readonly record: RecoveryRecord;
  readonly doc: RecoveryStateDoc;
  readonly statePath: string;
}

const STAGING_PREFIX = '.luxops-cchain-staging-';

/** What the operator does by hand when no (further) automatic recovery runs. */
export function manualSteps(setup: RecoverySetup): string {
  const where = setup.plan ? ` ${setup.plan.chainDir}` : ' the C-chain data';
  const state = setup.plan ? `; delete ${recoveryStatePath(setup.plan.dataDir)} to allow automatic recoveries again` : '';
  return `recover by hand: README "C-chain corrupted after restart" (stop luxd, clear${where}, re-import or restore a snapshot)${state}`;
}

/**
 * Decide whether a recovery may start now; when it may, record it durably first (before anything is
 * deleted) and return it. When it may not, say why in state.cchain.blocked and the log (once).
 */
export async function beginRecovery(setup: RecoverySetup, reason: string, o: { state: SupervisorState; log: Logger; now: () => number }): Promise<ActiveRecovery | undefined> {
  const { state, log } = o;
  const block = (why: string) => {
    const message = `${why}; luxd keeps running, not ready; ${manualSteps(setup)}`;
    if (state.cchain.blocked !== message) {
      state.counters.recoveriesRefused++;
      log.error({ code: 'E_CCHAIN_RECOVERY_BLOCKED', reason }, `no automatic C-chain recovery: ${message}`);
    }
    state.cchain.blocked = message;
    return undefined;
  };
  if (setup.mode === 'off' || setup.plan === undefined) return block('--cchain-recovery is off');
  const statePath = recoveryStatePath(setup.plan.dataDir);
  const loaded = await loadRecoveryState(statePath);
  if (loaded.doc === undefined) return block(`${loaded.problem}: recoveries stay off until it is fixed or removed`);
  const nowMs = o.now();
  const budget = recoveryBudget(loaded.doc, nowMs, setup.max, setup.windowMs);
  if (!budget.allowed) {
    return block(`${budget.used} of ${setup.max} automatic recoveries in the last ${formatDuration(setup.windowMs)} already ran (--cchain-recovery-max/--cchain-recovery-window)${budget.nextAllowedAt ? `; the next is allowed after ${budget.nextAllowedAt}` : ''}`);
  }
  const record = await recordRecoveryStart(statePath, loaded.doc, { at: isoUtc(nowMs), mode: setup.mode, reason });
  delete state.cchain.blocked;
  state.counters.recoveriesStarted++;
  state.cchain.recovery = { mode: setup.mode, step: 'stopping-luxd', startedAt: record.at, attempt: budget.used + 1, max: setup.max };
  log.warn({ mode: setup.mode, attempt: budget.used + 1, max: setup.max, windowMs: setup.windowMs, statePath }, `C-chain recovery (${setup.mode}) ${budget.used + 1} of ${setup.max} in ${formatDuration(setup.windowMs)}: stopping luxd`);
  return { mode: setup.mode, reason, record, doc: loaded.doc, statePath };
}

/** Record how it ended, in the state file, /status and the counters (one line). */
export async function endRecovery(active: ActiveRecovery, outcome: 'recovered' | 'failed', o: { state: SupervisorState; log: Logger; now: () => number; error?: string; height?: number }): Promise<void> {
  const at = isoUtc(o.now());
  try {
    await recordRecoveryEnd(active.statePath, active.doc, active.record, outcome, at, o.error);
  } catch (e) {
    // the start is recorded, which is what the bound counts; an unwritten end only loses history
    o.log.warn({ statePath: active.statePath }, `cannot record the recovery's outcome: ${errorMessage(e)}`);
  }
  delete o.state.cchain.recovery;
  o.state.cchain.lastRecovery = { outcome, at, ...(o.error !== undefined ? { error: o.error } : {}) };
  const took = Date.parse(at) - Date.parse(active.record.at);
  if (outcome === 'recovered') {
    o.state.counters.recoveriesRecovered++;
    o.log.info({ mode: active.mode, height: o.height ?? null, durationMs: took }, `C-chain recovered (${active.mode}) in ${formatDuration(took)}: state reads work at height ${o.height ?? '?'}`);
  } else {
    o.state.counters.recoveriesFailed++;
    o.log.error({ code: 'E_CCHAIN_RECOVERY_FAILED', mode: active.mode, durationMs: took }, `C-chain recovery (${active.mode}) failed: ${o.error ?? 'unknown'}`);
  }
}

/** Mark a recovery step in /status and log it (one line). */
export function step(state: SupervisorState, log: Logger, name: string, fields: Record<string, unknown> = {}, msg?: string): void {
  if (state.cchain.recovery) {
    state.cchain.recovery.step = name;
    delete state.cchain.recovery.progress;
  }
  log.info({ step: name, ...fields }, msg ?? `C-chain recovery: ${name}`);
}

/** Remove staging dirs a killed earlier recovery left (only our own name pattern, only in the data dir). */
async function removeStaleStaging(dataDir: string, log: Logger): Promise<void> {
  for (const name of await readdir(dataDir).catch(() => [] as string[])) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    await rm(join(dataDir, name), { recursive: true, force: true });
    log.info({ path: join(dataDir, name) }, 'removed the staging dir of an interrupted recovery');
  }
}

/**
 * The data part, luxd stopped: reimport = the guarded clear (C-chain dir + import marker);
 * restore = restore the snapshot into a staging dir inside the data dir, then swap its C-chain dir
 * in (the corrupt one is cleared first: it is useless, and one copy fits where two may not).
 */
export async function recoverData(setup: RecoverySetup, active: ActiveRecovery, o: { state: SupervisorState; log: Logger; signal: AbortSignal; env: Readonly<Record<string, string | undefined>> }): Promise<void> {
  const { state, log } = o;
  if (!setup.plan) throw new LuxopsError('E_CCHAIN_RECOVERY', 'no C-chain data dir configured');
  const plan = setup.plan;
  if (active.mode === 'reimport') {
    step(state, log, 'clearing-chain-data', { path: plan.chainDir, marker: plan.marker ?? null });
    await clearChainData(plan, log);
    return;
  }
  const snap = setup.snapshot;
  if (!snap) throw new LuxopsError('E_CCHAIN_RECOVERY', '--cchain-recovery restore needs --snapshot-url');
  const dataDir = plan.dataDir;
  await removeStaleStaging(dataDir, log);
  const staging = join(dataDir, `${STAGING_PREFIX}${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  try {
    step(state, log, 'restoring-snapshot', { url: snap.url, staging });
    const { runRestoreSnapshot } = await import('../snapshot/restore-job.js');
    const r = await runRestoreSnapshot({ ...snap, dataDir: staging, marker: join(staging, '.restore-snapshot.done') } as RestoreSnapshotConfig, { log: log.child({ task: 'restore-snapshot' }), signal: o.signal, env: o.env });
    if (state.cchain.recovery) state.cchain.recovery.progress = { bytes: r.bytes ?? null, entries: r.entries ?? null, sha256: r.sha256 ?? null };
    const rel = relative(dataDir, plan.chainDir);
    const restored = join(staging, rel);
    const found = await lstat(restored).then((s) => s.isDirectory(), () => false);
    if (!found) {
      throw new LuxopsError('E_SNAPSHOT_NO_CCHAIN', `the snapshot ${snap.url} has no ${rel} directory (after --snapshot-strip-components ${snap.stripComponents}); make it with snapshot-create --include ${rel}`);
    }
    step(state, log, 'swapping-chain-data', { from: restored, to: plan.chainDir });
    // only the C-chain dir: the restore must not touch the import marker (the restored chain is imported)
    await clearChainData({ ...plan, marker: undefined }, log);
    await mkdir(dirname(plan.chainDir), { recursive: true, mode: 0o755 });
    await rename(restored, plan.chainDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
