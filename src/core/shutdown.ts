// Graceful shutdown for commands that do not supervise a child: the first SIGTERM/SIGINT aborts a
// shared AbortSignal (servers close, downloads stop at a resumable point); a second one forces
// exit, because an operator pressing Ctrl-C twice means it.
import { exitCodeForSignal } from './exit-codes.js';

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
