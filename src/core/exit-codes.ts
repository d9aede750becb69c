// The exit-code table every luxops command follows (written down once, here).
// Supervisors and kubelet read these numbers, so they are part of the interface.
export const EXIT = Object.freeze({
  /** success, or a task that was already done and was skipped */
  OK: 0,
  /** runtime failure: network, checksum, verification, import, timeout */
  FAILURE: 1,
  /** usage or configuration error: bad flag, bad env twin, missing input */
  USAGE: 2,
  /** internal error, a bug: an uncaught exception or unhandled rejection (EX_SOFTWARE of sysexits.h) */
  CRASH: 70,
  /** the supervised child exists but cannot be executed */
  CANNOT_EXECUTE: 126,
  /** the supervised child does not exist */
  NOT_FOUND: 127,
  /** 128 + n: the child (or we) died of signal n */
  SIGNAL_BASE: 128,
});

/** Exit code for a process that died of `signal`, e.g. SIGKILL -> 137 (the shell convention). */
export function exitCodeForSignal(signal: NodeJS.Signals | number): number {
  const n = typeof signal === 'number' ? signal : signalNumber(signal);
  return EXIT.SIGNAL_BASE + n;
}

// os.constants.signals is Linux-accurate; imported lazily so this file stays pure.
import { constants } from 'node:os';
export function signalNumber(signal: NodeJS.Signals): number {
  const n = (constants.signals as Record<string, number>)[signal];
  if (typeof n !== 'number') throw new TypeError(`unknown signal ${signal}`);
  return n;
}
