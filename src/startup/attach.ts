// Sidecar mode (`startup --attach`): luxd runs in another container of the pod. Same waits and
// tasks, no child; SIGTERM/SIGINT end it with 0 (the pod is going away), --strict failures with 1.
import type { Logger } from 'pino';
import type { SignalSource } from '../core/shutdown.js';
import { errorMessage } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { FORWARDED_SIGNALS } from './forward-signals.js';
import type { LifecycleOptions } from './lifecycle.js';

export interface AttachOptions {
  readonly signals: SignalSource;
  readonly log: Logger;
  readonly lifecycle: Omit<LifecycleOptions, 'signal'>;
}

/** Run the lifecycle against an external luxd until a stop signal; resolves to the exit code. */
export async function attach(opts: AttachOptions): Promise<number> {
  const { log } = opts;
  const { state } = opts.lifecycle;
  const ac = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (sig !== 'SIGTERM' && sig !== 'SIGINT') {
      // nothing to forward to; keep running (a handler is installed so the signal cannot kill us)
      log.info({ signal: sig }, `received ${sig}; no child in --attach mode, ignored`);
      return;
    }
    log.info({ signal: sig }, `received ${sig}; stopping`);
    state.phase = 'stopping';
    const err = new Error(`received ${sig}`);
    err.name = 'AbortError';
    ac.abort(err);
  };
  for (const s of FORWARDED_SIGNALS) opts.signals.on(s, handler);
  try {
    const { runLifecycle } = await import('./lifecycle.js');
    const f = await runLifecycle({ ...opts.lifecycle, signal: ac.signal });
    log.error({ code: 'E_STRICT_STOP' }, `--strict: ${f.failure}`);
    return EXIT.FAILURE;
  } catch (e) {
    if (ac.signal.aborted) return EXIT.OK;
    log.error({ code: 'E_INTERNAL' }, `attach failed: ${errorMessage(e)}`);
    return EXIT.FAILURE;
  } finally {
    for (const s of FORWARDED_SIGNALS) opts.signals.off(s, handler);
    ac.abort();
  }
}
