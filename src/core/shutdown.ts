// Graceful shutdown for commands that do not supervise a child: the first SIGTERM/SIGINT aborts a
// shared AbortSignal (servers close, downloads stop at a resumable point); a second one forces
// exit, because an operator pressing Ctrl-C twice means it.
import { setMaxListeners } from 'node:events';
import { exitCodeForSignal } from './exit-codes.js';

/** Listener budget of a shared abort signal: well above any command's concurrency (at most 64 parts). */
export const SIGNAL_MAX_LISTENERS = 256;

export interface SignalSource {
  on(event: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): unknown;
}

export interface Shutdown {
  readonly signal: AbortSignal;
  dispose(): void;
}

/** Install the two-stage handler on `source`; `forceExit` is called on the second signal. */
export function installShutdown(source: SignalSource, forceExit: (code: number) => void): Shutdown {
  const ac = new AbortController();
  // Every in-flight request, retry loop and part download listens on this one signal; Node's default
  // of 10 listeners would print a (non-JSON) leak warning on ordinary fan-out such as 8 parallel HEADs.
  setMaxListeners(SIGNAL_MAX_LISTENERS, ac.signal);
  const handler = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) {
      forceExit(exitCodeForSignal(sig));
      return;
    }
    const err = new Error(`received ${sig}`);
    err.name = 'AbortError';
    (err as Error & { signal?: string }).signal = sig;
    ac.abort(err);
  };
  source.on('SIGTERM', handler);
  source.on('SIGINT', handler);
  return {
    signal: ac.signal,
    dispose() {
      source.off('SIGTERM', handler);
      source.off('SIGINT', handler);
    },
  };
}
