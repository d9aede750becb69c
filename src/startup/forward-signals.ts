// Signal forwarding (tini's job): every signal an operator or kubelet sends us goes to luxd, or to
// luxd's whole process group with --kill-process-group. SIGTERM/SIGINT also start the grace timer,
// after which the group is SIGKILLed. A child that is already gone is a warning, never a failure.
import type { Logger } from 'pino';
import type { SignalSource } from '../core/shutdown.js';

/** The signals a pod's container runtime or an operator may send and luxd understands. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export type KillFn = (pid: number, signal: NodeJS.Signals) => void;

export interface ForwardOptions {
  readonly source: SignalSource;
  readonly pid: number;
  readonly group: boolean;
  readonly graceMs: number;
  readonly log: Logger;
  /** called on the first SIGTERM/SIGINT (phase -> stopping, abort post-start work) */
  readonly onStop: (sig: NodeJS.Signals) => void;
  /** process.kill by default; tests may observe */
  readonly kill?: KillFn;
}

export interface Forwarder {
  /** send `sig` to the child or its group; false when it was already gone */
  send(sig: NodeJS.Signals): boolean;
  /** begin a stop as if SIGTERM arrived (--strict failures) */
  stop(reason: string): void;
  /** stop listening and cancel the grace timer (call after the child exited) */
  dispose(): void;
}

/** Install forwarding for the six signals on `source`. */
export function forwardSignals(opts: ForwardOptions): Forwarder {
  const kill: KillFn = opts.kill ?? ((pid, sig) => process.kill(pid, sig));
  const target = opts.group ? -opts.pid : opts.pid;
  let graceTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  const send = (sig: NodeJS.Signals): boolean => {
    try {
      kill(target, sig);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') {
        opts.log.warn({ signal: sig, pid: opts.pid }, `luxd is already gone; ${sig} not delivered`);
        return false;
      }
      opts.log.error({ signal: sig, pid: opts.pid, error: code ?? String(e) }, `cannot send ${sig} to luxd`);
      return false;
    }
  };

  const beginStop = (sig: NodeJS.Signals, why: string) => {
    if (stopping) return;
    stopping = true;
    opts.onStop(sig);
    opts.log.info({ signal: sig, gracePeriodMs: opts.graceMs, reason: why }, `stopping luxd; SIGKILL after ${opts.graceMs} ms`);
    graceTimer = setTimeout(() => {
      opts.log.warn({ pid: opts.pid, group: opts.group }, 'grace period over; sending SIGKILL');
      send('SIGKILL');
    }, opts.graceMs);
  };

  const handler = (sig: NodeJS.Signals) => {
    opts.log.info({ signal: sig, pid: opts.pid, group: opts.group }, `forwarding ${sig} to luxd`);
    send(sig);
    if (sig === 'SIGTERM' || sig === 'SIGINT') beginStop(sig, `received ${sig}`);
  };
  for (const s of FORWARDED_SIGNALS) opts.source.on(s, handler);

  return {
    send,
    stop(reason) {
      if (stopping) return;
      send('SIGTERM');
      beginStop('SIGTERM', reason);
    },
    dispose() {
      for (const s of FORWARDED_SIGNALS) opts.source.off(s, handler);
      if (graceTimer) clearTimeout(graceTimer);
    },
  };
}
