// Signal forwarding (tini's job): every signal an operator or kubelet sends us goes to luxd, or to
// luxd's whole process group with --kill-process-group. SIGTERM/SIGINT also start the grace timer,
// after which the group is SIGKILLed. A child that is already gone is a warning, never a failure.
//
// During the grace period (the stop has begun):
//  - a repeated SIGTERM is forwarded again (tini forwards every signal; luxd may read it as "hurry")
//    and the deadline stays where it is: automation that repeats a stop (a retried `docker stop`,
//    a second `kill`) has its own SIGKILL deadline, and pushing ours back could only let that one win;
//  - a SIGINT SIGKILLs the group at once: Ctrl-C pressed again at a terminal means "now", as in
//    docker compose, npm and luxops' own non-supervisor commands. Kubernetes never sends SIGINT.
// The stop is over only when the whole group is gone, not when luxd is (reapGroup).
import type { Logger } from 'pino';
import type { SignalSource } from '../core/shutdown.js';
import { groupMembers } from './process-group.js';
import type { GroupMember } from './process-group.js';

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
  /** live members of luxd's process group (tests inject); /proc scan by default */
  readonly members?: (pgid: number) => GroupMember[];
  /** how long to wait for the group to vanish after SIGKILL before giving up (default 5 s) */
  readonly killWaitMs?: number;
}

export interface Forwarder {
  /** send `sig` to the child or its group; false when it was already gone */
  send(sig: NodeJS.Signals): boolean;
  /** begin a stop as if SIGTERM arrived (--strict failures) */
  stop(reason: string): void;
  /**
   * Call once luxd has exited. With the group option, resolves when no process of luxd's group is
   * left: during a stop the grace timer keeps running and SIGKILLs the group; if luxd exited on its
   * own and left group members behind, they are stopped the same way (SIGTERM, grace, SIGKILL).
   */
  reapGroup(): Promise<void>;
  /** stop listening and cancel the grace timer (call after reapGroup) */
  dispose(): void;
}

const POLL_MS = 100;

/** Install forwarding for the six signals on `source`. */
export function forwardSignals(opts: ForwardOptions): Forwarder {
  const kill: KillFn = opts.kill ?? ((pid, sig) => process.kill(pid, sig));
  const target = opts.group ? -opts.pid : opts.pid;
  const members = opts.members ?? ((pgid: number) => groupMembers(pgid));
  let graceTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let stopStarted = 0;
  let killedAt: number | undefined;

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

  const killNow = () => {
    if (graceTimer) clearTimeout(graceTimer);
    graceTimer = undefined;
    killedAt = Date.now();
    send('SIGKILL');
  };

  const beginStop = (sig: NodeJS.Signals, why: string) => {
    if (stopping) return;
    stopping = true;
    stopStarted = Date.now();
    opts.onStop(sig);
    opts.log.info({ signal: sig, gracePeriodMs: opts.graceMs, reason: why }, `stopping luxd; SIGKILL after ${opts.graceMs} ms`);
    graceTimer = setTimeout(() => {
      opts.log.warn({ pid: opts.pid, group: opts.group }, 'grace period over; sending SIGKILL');
      killNow();
    }, opts.graceMs);
  };

  const handler = (sig: NodeJS.Signals) => {
    if (stopping && killedAt === undefined && sig === 'SIGINT') {
      opts.log.warn({ signal: sig, pid: opts.pid, group: opts.group }, 'SIGINT during the grace period; sending SIGKILL now');
      killNow();
      return;
    }
    if (stopping && sig === 'SIGTERM') {
      const leftMs = Math.max(0, opts.graceMs - (Date.now() - stopStarted));
      opts.log.info({ signal: sig, pid: opts.pid, group: opts.group, killInMs: killedAt === undefined ? leftMs : 0 }, `forwarding ${sig} to luxd again; the grace period keeps its deadline`);
    } else {
      opts.log.info({ signal: sig, pid: opts.pid, group: opts.group }, `forwarding ${sig} to luxd`);
    }
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
    async reapGroup() {
      if (!opts.group) return;
      let left = members(opts.pid);
      if (left.length === 0) return;
      const pids = left.map((m) => m.pid);
      if (!stopping) {
        opts.log.warn({ pid: opts.pid, pids }, `luxd exited but ${left.length} process(es) of its group still run; stopping them`);
        send('SIGTERM');
        beginStop('SIGTERM', 'luxd exited, its process group did not');
      } else if (killedAt === undefined) {
        opts.log.info({ pid: opts.pid, pids }, `luxd exited; waiting for ${left.length} more process(es) of its group (SIGKILL when the grace period ends)`);
      }
      const killWaitMs = opts.killWaitMs ?? 5000;
      while (left.length > 0) {
        if (killedAt !== undefined && Date.now() - killedAt > killWaitMs) {
          // only something the kernel cannot kill (D state, or another pid namespace's zombie reaper) gets here
          opts.log.error({ pids: left.map((m) => m.pid), states: left.map((m) => m.state) }, `process(es) of luxd's group still present ${killWaitMs} ms after SIGKILL; giving up`);
          return;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
        left = members(opts.pid);
      }
      opts.log.info({ pid: opts.pid }, "luxd's process group is gone");
    },
    dispose() {
      for (const s of FORWARDED_SIGNALS) opts.source.off(s, handler);
      if (graceTimer) clearTimeout(graceTimer);
    },
  };
}
