// The C-chain state monitor beside the health polls: probe once post-start is done (at once, then
// every --cchain-probe-interval), and also while luxd is unhealthy because of its C check (a chain
// that failed to be created never turns healthy). A corrupt answer is confirmed by a second probe
// a few seconds later before anything is reported: a recovery deletes data. The detection is one
// error line, /status phase `degraded` with reason and time, the metrics; it lasts until state
// reads work again.
import type { Logger } from 'pino';
import { pause } from '../core/luxd-health.js';
import type { ApiPrefix } from '../core/luxd-health.js';
import { probeCChain } from './cchain-probe.js';
import type { ProbeVerdict } from './cchain-probe.js';
import type { SupervisorState } from './state.js';
import { isoUtc } from '../core/utc-time.js';

export interface CChainMonitorOptions {
  readonly apiUrl: string;
  readonly prefix: () => ApiPrefix | undefined;
  readonly intervalMs: number;
  /** pause before the confirming probe (default min(interval, 5 s)) */
  readonly confirmDelayMs?: number;
  readonly requestTimeoutMs?: number;
  readonly state: SupervisorState;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** whether a probe makes sense now (post-start done, or the C health check failing) */
  readonly due: () => boolean;
  /** every confirmed corrupt verdict (the recovery decides what to do with repeats) */
  readonly onCorrupt?: (v: Extract<ProbeVerdict, { state: 'corrupt' }>) => void;
  /** every ok verdict */
  readonly onOk?: (v: Extract<ProbeVerdict, { state: 'ok' }>) => void;
  readonly now?: () => number;
}

export interface CChainMonitor {
  /** probe now instead of at the next tick (post-start just finished) */
  wake(): void;
  /** runs until the signal aborts (then rejects with its reason) */
  readonly done: Promise<never>;
}

export function startCChainMonitor(o: CChainMonitorOptions): CChainMonitor {
  const now = o.now ?? Date.now;
  const st = o.state;
  let wake: () => void = () => undefined;
  let woken = false;

  const sleep = async (ms: number) => {
    if (woken) {
      woken = false;
      return;
    }
    const ac = new AbortController();
    const onAbort = () => ac.abort(o.signal.reason);
    o.signal.addEventListener('abort', onAbort, { once: true });
    wake = () => ac.abort('wake');
    try {
      await pause(ms, ac.signal);
    } catch (e) {
      if (o.signal.aborted) throw o.signal.reason ?? e;
    } finally {
      wake = () => undefined;
      o.signal.removeEventListener('abort', onAbort);
      woken = false;
    }
  };

  const probe = async (): Promise<ProbeVerdict | undefined> => {
    const prefix = o.prefix();
    if (prefix === undefined) return undefined;
    return probeCChain({ apiUrl: o.apiUrl, prefix, signal: o.signal, timeoutMs: o.requestTimeoutMs ?? 10_000 });
  };

  const record = (v: ProbeVerdict) => {
    st.cchain.checkedAt = isoUtc(now());
    // any answer ends the wait after post-start (an inconclusive one is health's business)
    st.cchainCheckPending = false;
    if (v.state === 'ok') {
      if (st.cchain.state === 'corrupt') o.log.info({ height: v.height, since: st.cchain.since }, 'C-chain state reads work again');
      st.cchain.state = 'ok';
      st.cchain.height = v.height;
      delete st.cchain.reason;
      delete st.cchain.since;
      delete st.cchain.blocked;
      delete st.cchain.lastProbeError;
      o.onOk?.(v);
      return;
    }
    if (v.state === 'corrupt') {
      if (v.height !== undefined) st.cchain.height = v.height;
      if (st.cchain.state !== 'corrupt') {
        st.cchain.state = 'corrupt';
        st.cchain.reason = v.reason;
        st.cchain.since = isoUtc(now());
        st.counters.cchainCorruptions++;
        o.log.error({ code: 'E_CCHAIN_CORRUPT', reason: v.reason, source: v.source, height: v.height ?? null }, `C-chain state is corrupt: luxd answered ${v.source} with "${v.reason}"; not ready until state reads work again`);
      } else {
        st.cchain.reason = v.reason;
        o.log.debug({ reason: v.reason, source: v.source }, 'C-chain state still corrupt');
      }
      o.onCorrupt?.(v);
      return;
    }
    // no verdict about the state: say so in /status, never act on it
    st.cchain.lastProbeError = v.reason;
    o.log.debug({ state: v.state, reason: v.reason }, 'C-chain state probe inconclusive');
  };

  const loop = async (): Promise<never> => {
    for (;;) {
      await sleep(o.intervalMs);
      if (!o.due()) continue;
      let v = await probe();
      if (v === undefined) continue;
      if (v.state === 'corrupt' && st.cchain.state !== 'corrupt') {
        // confirm before the first report: one odd answer must not delete a chain
        o.log.warn({ reason: v.reason, source: v.source }, 'C-chain state probe says corrupt; confirming');
        await pause(o.confirmDelayMs ?? Math.min(o.intervalMs, 5000), o.signal);
        const again = await probe();
        if (again === undefined) continue;
        v = again;
      }
      record(v);
    }
  };

  return {
    wake() {
      woken = true;
      wake();
    },
    done: loop(),
  };
}
