// Supervisor mode (`startup -- luxd args...`), tini-shaped: spawn, forward signals, run the
// lifecycle beside the child, and exit with the child's code (128+n when it died of signal n).
// With --cchain-recovery, a corrupt C-chain makes it stop luxd (the same grace logic as a SIGTERM),
// repair the data (recovery.ts) and start luxd again with the same argv; the lifecycle then runs
// the post-start tasks again and the recovery ends when state reads work.
import type { Logger } from 'pino';
import { LuxopsError, errorMessage } from '../core/errors.js';
import type { SignalSource } from '../core/shutdown.js';
import { EXIT, exitCodeForSignal } from '../core/exit-codes.js';
import { forwardSignals } from './forward-signals.js';
import type { LifecycleOptions } from './lifecycle.js';
import type { ActiveRecovery, RecoverySetup } from './recovery.js';
import { resolveExecutable, spawnChild } from './spawn-child.js';
import type { ChildExit } from './spawn-child.js';

export interface SuperviseOptions {
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signals: SignalSource;
  readonly graceMs: number;
  readonly killProcessGroup: boolean;
  readonly log: Logger;
  /** everything the lifecycle needs except the abort signal */
  readonly lifecycle: Omit<LifecycleOptions, 'signal'>;
  /**
   * Runs right after the first spawn: work that must not delay luxd (the status server's node:http
   * load and bind). A rejection stops luxd (SIGTERM, grace, SIGKILL) and the supervisor exits 1.
   */
  readonly onSpawned?: () => Promise<void>;
  /** --cchain-recovery (mode off: detections are reported, nothing is done) */
  readonly recovery?: RecoverySetup;
  readonly now?: () => number;
}

class ChildExited extends Error {
  constructor(readonly exit: ChildExit) {
    super('luxd exited');
    this.name = 'AbortError';
  }
}

type RunEnd = { readonly kind: 'exit'; readonly code: number } | { readonly kind: 'recover'; readonly active: ActiveRecovery };

/** Run luxd under supervision; resolves to the supervisor's exit code. */
export async function supervise(opts: SuperviseOptions): Promise<number> {
  const { log } = opts;
  const { state } = opts.lifecycle;
  const now = opts.now ?? Date.now;
  const [cmd, ...args] = opts.command as [string, ...string[]];
  const file = await resolveExecutable(cmd, opts.env);
  const recovery: RecoverySetup = opts.recovery ?? { mode: 'off', max: 0, windowMs: 0, plan: undefined };
  // a recovery spans runs: decided in one, verified in the next
  let active: ActiveRecovery | undefined;
  // loaded on the first detection: it brings node:fs/promises and the state file code, which a
  // healthy pod never needs (the supervisor's resident memory is budgeted)
  const rec = () => import('./recovery.js');
  let runs = 0;

  const runOnce = async (): Promise<RunEnd> => {
    runs++;
    // hrtime, not performance.now(): the `performance` global loads node:perf_hooks before the spawn
    const t0 = process.hrtime.bigint();
    const child = await spawnChild(file, args, opts.env, cmd);
    state.pid = child.pid;
    log.info({ pid: child.pid, cmd, spawnMs: Number(process.hrtime.bigint() - t0) / 1e6, ...(runs > 1 ? { run: runs } : {}) }, `started ${cmd}`);

    const ac = new AbortController();
    let recoverWith: ActiveRecovery | undefined;
    // a SIGTERM/SIGINT from outside wins over a recovery that is stopping luxd
    let stopRequested = false;
    const onOutsideStop = () => (stopRequested = true);
    opts.signals.on('SIGTERM', onOutsideStop);
    opts.signals.on('SIGINT', onOutsideStop);
    const forwarder = forwardSignals({
      source: opts.signals,
      pid: child.pid,
      group: opts.killProcessGroup,
      graceMs: opts.graceMs,
      log,
      onStop: (sig) => {
        if (recoverWith === undefined) state.phase = 'stopping';
        const err = new Error(`received ${sig}`);
        err.name = 'AbortError';
        ac.abort(err);
      },
    });

    let strictFailure: string | undefined;
    let fatal: LuxopsError | undefined;
    let deciding = false;
    void child.exited.then((exit) => ac.abort(new ChildExited(exit)));
    if (runs === 1) {
      opts.onSpawned?.().catch((e: unknown) => {
        fatal = e instanceof LuxopsError ? e : new LuxopsError('E_INTERNAL', errorMessage(e));
        log.error({ code: fatal.code }, `${fatal.message}; stopping luxd`);
        forwarder.stop(fatal.message);
      });
    }

    const onCorrupt = async (reason: string): Promise<void> => {
      if (deciding || recoverWith !== undefined || stopRequested || ac.signal.aborted) return;
      deciding = true;
      try {
        if (active) {
          // the recovered chain is corrupt again: this recovery failed, the bound decides on the next
          const a = active;
          active = undefined;
          await (await rec()).endRecovery(a, 'failed', { state, log, now, error: `the C-chain is still corrupt after the recovery: ${reason}` });
        }
        const a = await (await rec()).beginRecovery(recovery, reason, { state, log, now });
        if (!a || stopRequested || ac.signal.aborted) return;
        recoverWith = a;
        forwarder.stop('C-chain recovery');
      } catch (e) {
        log.error({ code: 'E_CCHAIN_RECOVERY_FAILED' }, `cannot start the C-chain recovery: ${errorMessage(e)}`);
      } finally {
        deciding = false;
      }
    };

    // loaded after the spawn: the HTTP client is the heaviest module here, and luxd should not wait for it
    const { runLifecycle } = await import('./lifecycle.js');
    runLifecycle({
      ...opts.lifecycle,
      signal: ac.signal,
      onCorrupt: (v) => void onCorrupt(v.reason),
      onOk: (v, afterPostStart) => {
        if (!active || !afterPostStart) return;
        const a = active;
        active = undefined;
        const imp = state.import;
        void rec().then((r) =>
          imp?.state === 'failed'
            ? r.endRecovery(a, 'failed', { state, log, now, error: `the C-chain answers state reads, but the import failed: ${imp.error ?? 'unknown'}`, height: v.height })
            : r.endRecovery(a, 'recovered', { state, log, now, height: v.height }));
      },
      onStep: (s) => {
        if (!active || !state.cchain.recovery) return;
        // the module is loaded: this run is a recovery's
        void rec().then((r) => {
          if (!state.cchain.recovery) return;
          r.step(state, log, s, s === 'importing' ? {} : { pid: child.pid });
          if (s === 'importing' && state.import) state.cchain.recovery.progress = state.import as unknown as Record<string, unknown>;
        });
      },
    }).then(
      (f) => {
        strictFailure = f.failure;
        log.error({ code: 'E_STRICT_STOP' }, `--strict: ${f.failure}; stopping luxd`);
        forwarder.stop(f.failure);
      },
      (e: unknown) => {
        if (!ac.signal.aborted) log.error({ code: 'E_INTERNAL' }, `supervision failed: ${errorMessage(e)}`);
      },
    );

    const exit = await child.exited;
    // the stop (and the pod's container, or the recovery's next step) waits until luxd's whole group
    // is gone, not only luxd
    await forwarder.reapGroup();
    forwarder.dispose();
    opts.signals.off('SIGTERM', onOutsideStop);
    opts.signals.off('SIGINT', onOutsideStop);
    const how = exit.signal ? { signal: exit.signal } : { code: exit.code };
    if (recoverWith !== undefined && !stopRequested && fatal === undefined && strictFailure === undefined) {
      log.info({ pid: child.pid, ...how, step: 'luxd-stopped' }, 'C-chain recovery: luxd stopped');
      return { kind: 'recover', active: recoverWith };
    }
    if (recoverWith !== undefined) {
      // stopped for good while the recovery was stopping luxd: it did not happen
      await (await rec()).endRecovery(recoverWith, 'failed', { state, log, now, error: 'interrupted: the supervisor was stopped before the data was repaired' });
    }
    if (fatal !== undefined) {
      log.error({ pid: child.pid, ...how, exitCode: fatal.exitCode }, `luxd stopped: ${fatal.message}`);
      return { kind: 'exit', code: fatal.exitCode };
    }
    if (strictFailure !== undefined) {
      log.error({ pid: child.pid, ...how, exitCode: EXIT.FAILURE }, `luxd stopped after a --strict failure: ${strictFailure}`);
      return { kind: 'exit', code: EXIT.FAILURE };
    }
    const level = exit.exitCode === 0 ? 'info' : 'warn';
    log[level]({ pid: child.pid, ...how, exitCode: exit.exitCode }, exit.signal ? `luxd died of ${exit.signal}` : `luxd exited with code ${exit.code}`);
    return { kind: 'exit', code: exit.exitCode };
  };

  /** The data part between two runs; SIGTERM/SIGINT abort it and end the supervisor. */
  const repair = async (a: ActiveRecovery): Promise<NodeJS.Signals | undefined> => {
    const ac = new AbortController();
    let stoppedBy: NodeJS.Signals | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
      stoppedBy ??= sig;
      log.info({ signal: sig }, `received ${sig} during the C-chain recovery (luxd is stopped); stopping`);
      const err = new Error(`received ${sig}`);
      err.name = 'AbortError';
      ac.abort(err);
    };
    opts.signals.on('SIGTERM', onSignal);
    opts.signals.on('SIGINT', onSignal);
    const r = await rec();
    try {
      await r.recoverData(recovery, a, { state, log, signal: ac.signal, env: opts.env });
      if (stoppedBy) throw ac.signal.reason;
      r.step(state, log, 'starting-luxd');
      active = a;
    } catch (e) {
      const error = stoppedBy ? `interrupted by ${stoppedBy}` : errorMessage(e);
      // luxd is started again either way: a node that runs (degraded) beats one that does not
      await r.endRecovery(a, 'failed', { state, log, now, error });
    } finally {
      opts.signals.off('SIGTERM', onSignal);
      opts.signals.off('SIGINT', onSignal);
    }
    return stoppedBy;
  };

  for (;;) {
    const end = await runOnce();
    if (end.kind === 'exit') {
      if (active) await (await rec()).endRecovery(active, 'failed', { state, log, now, error: `luxd exited before the C-chain answered state reads (exit code ${end.code})` });
      return end.code;
    }
    const stoppedBy = await repair(end.active);
    if (stoppedBy) {
      state.phase = 'stopping';
      return exitCodeForSignal(stoppedBy);
    }
    state.resetForRestart();
  }
}
