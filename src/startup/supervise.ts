// Supervisor mode (`startup -- luxd args...`), tini-shaped: spawn, forward signals, run the
// lifecycle beside the child, and exit with the child's code (128+n when it died of signal n).
import type { Logger } from 'pino';
import { LuxopsError, errorMessage } from '../core/errors.js';
import type { SignalSource } from '../core/shutdown.js';
import { EXIT } from '../core/exit-codes.js';
import { forwardSignals } from './forward-signals.js';
import type { LifecycleOptions } from './lifecycle.js';
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
   * Runs right after the spawn: work that must not delay luxd (the status server's node:http load
   * and bind). A rejection stops luxd (SIGTERM, grace, SIGKILL) and the supervisor exits 1.
   */
  readonly onSpawned?: () => Promise<void>;
}

class ChildExited extends Error {
  constructor(readonly exit: ChildExit) {
    super('luxd exited');
    this.name = 'AbortError';
  }
}

/** Run luxd under supervision; resolves to the supervisor's exit code. */
export async function supervise(opts: SuperviseOptions): Promise<number> {
  const { log } = opts;
  const { state } = opts.lifecycle;
  const [cmd, ...args] = opts.command as [string, ...string[]];
  const file = await resolveExecutable(cmd, opts.env);
  // hrtime, not performance.now(): the `performance` global loads node:perf_hooks before the spawn
  const t0 = process.hrtime.bigint();
  const child = await spawnChild(file, args, opts.env, cmd);
  state.pid = child.pid;
  log.info({ pid: child.pid, cmd, spawnMs: Number(process.hrtime.bigint() - t0) / 1e6 }, `started ${cmd}`);

  const ac = new AbortController();
  const forwarder = forwardSignals({
    source: opts.signals,
    pid: child.pid,
    group: opts.killProcessGroup,
    graceMs: opts.graceMs,
    log,
    onStop: (sig) => {
      state.phase = 'stopping';
      const err = new Error(`received ${sig}`);
      err.name = 'AbortError';
      ac.abort(err);
    },
  });

  let strictFailure: string | undefined;
  let fatal: LuxopsError | undefined;
  void child.exited.then((exit) => ac.abort(new ChildExited(exit)));
  opts.onSpawned?.().catch((e: unknown) => {
    fatal = e instanceof LuxopsError ? e : new LuxopsError('E_INTERNAL', errorMessage(e));
    log.error({ code: fatal.code }, `${fatal.message}; stopping luxd`);
    forwarder.stop(fatal.message);
  });
  // loaded after the spawn: the HTTP client is the heaviest module here, and luxd should not wait for it
  const { runLifecycle } = await import('./lifecycle.js');
  runLifecycle({ ...opts.lifecycle, signal: ac.signal }).then(
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
  // the stop (and the pod's container) ends when luxd's whole group is gone, not only luxd
  await forwarder.reapGroup();
  forwarder.dispose();
  const how = exit.signal ? { signal: exit.signal } : { code: exit.code };
  if (fatal !== undefined) {
    log.error({ pid: child.pid, ...how, exitCode: fatal.exitCode }, `luxd stopped: ${fatal.message}`);
    return fatal.exitCode;
  }
  if (strictFailure !== undefined) {
    log.error({ pid: child.pid, ...how, exitCode: EXIT.FAILURE }, `luxd stopped after a --strict failure: ${strictFailure}`);
    return EXIT.FAILURE;
  }
  const level = exit.exitCode === 0 ? 'info' : 'warn';
  log[level]({ pid: child.pid, ...how, exitCode: exit.exitCode }, exit.signal ? `luxd died of ${exit.signal}` : `luxd exited with code ${exit.code}`);
  return exit.exitCode;
}
