// What happens around a running luxd, in both modes: wait for health, then the post-start tasks
// (aliases, then the rlp import), then keep polling so readiness stays honest. In --attach mode a
// luxd that goes unhealthy and comes back (a restart in the other container) gets its aliases
// again, because luxd keeps API aliases in memory only.
import type { Logger } from 'pino';
import { checkHealth, describeHealth, healthUrl, pause, resolveApiPrefix, waitHealthy } from '../core/luxd-health.js';
import type { ApiPrefix, ApiPrefixMode, HealthResult } from '../core/luxd-health.js';
import { errorMessage } from '../core/errors.js';
import { formatDuration } from '../core/units.js';
import type { RlpImportConfig } from '../rlp-import/options.js';
import { applyAliases } from './aliases.js';
import { startCChainMonitor } from './cchain-monitor.js';
import type { ProbeVerdict } from './cchain-probe.js';
import { runRlpTask } from './rlp-task.js';
import type { SupervisorState } from './state.js';

export interface LifecycleOptions {
  readonly apiUrl: string;
  readonly apiPrefix: ApiPrefixMode;
  readonly healthTimeoutMs: number;
  readonly healthIntervalMs: number;
  readonly runningIntervalMs: number;
  readonly strict: boolean;
  readonly attach: boolean;
  /** the rlp-import config (from the `--rlp-*` group) when `--rlp-base-url` is set */
  readonly rlp?: RlpImportConfig;
  readonly state: SupervisorState;
  readonly log: Logger;
  /** aborts on shutdown and when the supervised luxd exits */
  readonly signal: AbortSignal;
  /** backoff between aliasChain retries (tests shorten it) */
  readonly aliasBackoffMs?: number;
  /** C-chain state probe period once post-start is done (0 = no probe) */
  readonly cchainProbeIntervalMs?: number;
  /** pause before the probe that confirms a corrupt answer (default min(interval, 5 s)) */
  readonly cchainConfirmDelayMs?: number;
  /** a confirmed corrupt C-chain state (the recovery's trigger) */
  readonly onCorrupt?: (v: Extract<ProbeVerdict, { state: 'corrupt' }>) => void;
  /** the C-chain answered state reads; `afterPostStart` once the post-start tasks of this run are done */
  readonly onOk?: (v: Extract<ProbeVerdict, { state: 'ok' }>, afterPostStart: boolean) => void;
  /** the lifecycle's steps (a recovery shows them as its own) */
  readonly onStep?: (step: 'waiting-health' | 'applying-aliases' | 'importing' | 'verifying-state') => void;
}

/** A post-start failure that --strict turns into a stop. */
export interface StrictFailure {
  readonly failure: string;
}

/**
 * Run until aborted (rejects with the abort reason) or, under --strict, until a post-start task
 * fails (resolves with what failed). Without --strict it never resolves.
 */
export function runLifecycle(opts: LifecycleOptions): Promise<StrictFailure> {
  const { state, log, signal } = opts;
  let prefix: ApiPrefix | undefined;
  let tasksStarted = false;
  let tasksDone = false;
  let chain: Promise<void> = Promise.resolve();
  let failStrict: (f: StrictFailure) => void = () => undefined;
  const strictFailed = new Promise<StrictFailure>((resolve) => (failStrict = resolve));
  const fail = (message: string) => {
    if (opts.strict) failStrict({ failure: message });
  };

  const aliases = async (): Promise<number> =>
    state.aliases.length === 0 ? 0 : applyAliases(state.aliases, { apiUrl: opts.apiUrl, prefix: prefix!, log, signal, minBackoffMs: opts.aliasBackoffMs });

  const postStart = async (): Promise<void> => {
    state.phase = 'post-start';
    if (state.aliases.length > 0) opts.onStep?.('applying-aliases');
    const failed = await aliases();
    state.counters.aliasFailures += failed;
    if (failed > 0) fail(`${failed} alias(es) failed`);
    if (opts.rlp && state.import) {
      const rlp: RlpImportConfig = { ...opts.rlp, apiPrefix: opts.rlp.apiPrefix === 'auto' && prefix ? prefix : opts.rlp.apiPrefix };
      state.import.state = 'running';
      opts.onStep?.('importing');
      try {
        const out = await runRlpTask(rlp, {
          log: log.child({ task: 'rlp-import' }),
          signal,
          onProgress: (p) => Object.assign(state.import!, p),
        });
        Object.assign(state.import, { state: out.status, ...(out.reason ? { reason: out.reason } : {}) });
        log.info({ status: out.status, reason: out.reason, heightBefore: out.heightBefore, heightAfter: out.heightAfter }, `rlp import ${out.status}`);
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        state.import.state = 'failed';
        state.counters.importFailures++;
        state.import.error = errorMessage(e);
        log.error({ code: (e as { code?: string }).code ?? 'E_IMPORT_FAILED' }, `rlp import failed: ${state.import.error}`);
        fail(`rlp import failed: ${state.import.error}`);
      }
    }
    tasksDone = true;
    // a node that restarted on a corrupt state must not look ready for the moment before the probe
    if (cchain) state.cchainCheckPending = true;
    state.postStartDone = true;
    if (state.basePhase === 'post-start') state.phase = 'running';
    log.info({ ready: state.readiness().ready }, 'post-start tasks finished');
    if (cchain) {
      opts.onStep?.('verifying-state');
      cchain.wake();
    }
  };

  // the C-chain state probe: once post-start is done, and while the C check fails (a chain that
  // failed to be created never turns healthy)
  const probeEvery = opts.cchainProbeIntervalMs ?? 0;
  const cchain = probeEvery > 0
    ? startCChainMonitor({
        apiUrl: opts.apiUrl,
        prefix: () => prefix ?? state.apiPrefix,
        intervalMs: probeEvery,
        ...(opts.cchainConfirmDelayMs !== undefined ? { confirmDelayMs: opts.cchainConfirmDelayMs } : {}),
        state,
        log,
        signal,
        due: () => (tasksDone && state.health.healthy) || state.health.failing.includes('C'),
        onCorrupt: (v) => opts.onCorrupt?.(v),
        onOk: (v) => opts.onOk?.(v, tasksDone),
      })
    : undefined;

  // post-start work runs one piece at a time, beside the health monitor
  const enqueue = (task: () => Promise<void>) => {
    chain = chain.then(task).catch((e: unknown) => {
      if (!signal.aborted) log.error({ code: 'E_INTERNAL' }, `post-start task failed: ${errorMessage(e)}`);
    });
  };

  const onHealthy = (wasHealthy: boolean) => {
    if (!tasksStarted) {
      tasksStarted = true;
      enqueue(postStart);
    } else if (opts.attach && tasksDone && !wasHealthy && state.aliases.length > 0) {
      log.info({ apiPrefix: prefix }, 'luxd is healthy again (restarted?); re-applying aliases');
      enqueue(async () => {
        const failed = await aliases();
        state.counters.aliasFailures += failed;
      });
    }
  };

  const monitor = async (): Promise<never> => {
    state.phase = 'waiting-health';
    opts.onStep?.('waiting-health');
    const w = await waitHealthy({
      apiUrl: opts.apiUrl,
      apiPrefix: opts.apiPrefix,
      timeoutMs: opts.healthTimeoutMs,
      intervalMs: opts.healthIntervalMs,
      signal,
      log,
      onPoll: (r, p) => state.recordPoll(r, p),
    });
    prefix = w.prefix;
    let wasHealthy = w.healthy;
    if (w.healthy) {
      log.info({ apiPrefix: prefix, polls: w.polls, elapsedMs: w.elapsedMs }, 'luxd is healthy');
      onHealthy(false);
    } else {
      state.healthTimedOut = true;
      const msg = `luxd not healthy after ${formatDuration(opts.healthTimeoutMs)} (${describeHealth(w.last)})`;
      log.error({ code: 'E_HEALTH_TIMEOUT', failing: w.last.failing, polls: w.polls, apiPrefix: prefix ?? null }, `${msg}; luxd keeps running, not ready`);
      fail(msg);
    }
    for (;;) {
      await pause(opts.runningIntervalMs, signal);
      let r: HealthResult;
      if (prefix === undefined) {
        const probe = await resolveApiPrefix(opts.apiUrl, 'auto', { signal });
        prefix = probe.prefix;
        r = probe.result;
      } else {
        r = await checkHealth(healthUrl(opts.apiUrl, prefix), { signal });
      }
      state.recordPoll(r, prefix);
      if (r.healthy) {
        if (!wasHealthy) log.info({ apiPrefix: prefix }, 'luxd is healthy');
        onHealthy(wasHealthy);
      } else if (wasHealthy) {
        log.warn({ failing: r.failing, error: r.error }, `luxd turned unhealthy (${describeHealth(r)})`);
      }
      wasHealthy = r.healthy;
    }
  };

  return Promise.race([monitor(), strictFailed, ...(cchain ? [cchain.done] : [])]);
}
