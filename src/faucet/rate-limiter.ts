// Sliding-window rate limits keyed by client IP bucket and by recipient address. A request first
// reserves a slot in both (so concurrent requests cannot overshoot), and the slot becomes a charge
// only when the drip was actually sent; a refused or failed drip releases it. Memory is bounded:
// expired timestamps are swept, and past `maxEntries` the least recently charged key is evicted.
import type { LimitSpec } from './values.js';

const SWEEP_EVERY_MS = 30_000;

/** One limit table (IPs or addresses). */
export class LimitTable {
  readonly spec: LimitSpec;
  readonly maxEntries: number;
  /** key -> charge timestamps (ms), oldest first; Map order = least recently charged first */
  private readonly charges = new Map<string, number[]>();
  private readonly pending = new Map<string, number>();
  private lastSweep = 0;

  constructor(spec: LimitSpec, maxEntries: number) {
    this.spec = spec;
    this.maxEntries = maxEntries;
  }

  get enabled(): boolean {
    return this.spec.count > 0;
  }

  get size(): number {
    return this.charges.size;
  }

  private live(key: string, now: number): number[] {
    const list = this.charges.get(key);
    if (!list) return [];
    const cutoff = now - this.spec.windowMs;
    while (list.length > 0 && list[0]! <= cutoff) list.shift();
    if (list.length === 0) this.charges.delete(key);
    return list;
  }

  /** 0 when a slot is free, else milliseconds until one frees up. */
  blockedForMs(key: string, now: number): number {
    if (!this.enabled) return 0;
    const list = this.live(key, now);
    const used = list.length + (this.pending.get(key) ?? 0);
    if (used < this.spec.count) return 0;
    // the oldest charge expiring frees a slot; slots held only by in-flight drips free within a window at most
    const oldest = list.length >= this.spec.count ? list[list.length - this.spec.count]! : now;
    return Math.max(1000, oldest + this.spec.windowMs - now);
  }

  reserve(key: string): void {
    if (this.enabled) this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  release(key: string): void {
    if (!this.enabled) return;
    const n = (this.pending.get(key) ?? 0) - 1;
    if (n > 0) this.pending.set(key, n);
    else this.pending.delete(key);
  }

  /** Turn a reservation into a charge at `now`. */
  commit(key: string, now: number): void {
    if (!this.enabled) return;
    this.release(key);
    const list = this.live(key, now);
    list.push(now);
    // re-insert so Map order tracks recency for eviction
    this.charges.delete(key);
    this.charges.set(key, list);
    this.maybeSweep(now);
    for (const k of this.charges.keys()) {
      if (this.charges.size <= this.maxEntries) break;
      this.charges.delete(k);
    }
  }

  private maybeSweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const key of [...this.charges.keys()]) this.live(key, now);
  }

  /** Live charges for the state file. */
  snapshot(now: number): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const key of [...this.charges.keys()]) {
      const list = this.live(key, now);
      if (list.length > 0) out[key] = list.slice();
    }
    return out;
  }

  /** Load charges from the state file, dropping expired ones and anything malformed. */
  restore(entries: Record<string, unknown>, now: number): void {
    if (!this.enabled) return;
    const cutoff = now - this.spec.windowMs;
    for (const [key, v] of Object.entries(entries)) {
      if (!Array.isArray(v)) continue;
      const list = v.filter((t): t is number => typeof t === 'number' && Number.isFinite(t) && t > cutoff && t <= now + 60_000).sort((a, b) => a - b);
      if (list.length > 0) this.charges.set(key, list.slice(-Math.max(this.spec.count, 1)));
    }
    for (const k of this.charges.keys()) {
      if (this.charges.size <= this.maxEntries) break;
      this.charges.delete(k);
    }
  }
}

export type Reservation = { ok: true; commit(now: number): void; release(): void } | { ok: false; retryAfterS: number; limit: 'ip' | 'address' };

/** The pair of limits every drip passes. */
export class DripLimits {
  constructor(
    readonly ip: LimitTable,
    readonly address: LimitTable,
    private readonly onCharge: () => void = () => {},
  ) {}

  /** Check both limits and hold a slot in each; nothing is charged until `commit`. */
  reserve(ipKey: string, addressKey: string, now: number): Reservation {
    const ipWait = this.ip.blockedForMs(ipKey, now);
    const addrWait = this.address.blockedForMs(addressKey, now);
    if (ipWait > 0 || addrWait > 0) {
      const limit = ipWait >= addrWait ? 'ip' : 'address';
      return { ok: false, retryAfterS: Math.ceil(Math.max(ipWait, addrWait) / 1000), limit };
    }
    this.ip.reserve(ipKey);
    this.address.reserve(addressKey);
    let done = false;
    return {
      ok: true,
      commit: (at: number) => {
        if (done) return;
        done = true;
        this.ip.commit(ipKey, at);
        this.address.commit(addressKey, at);
        this.onCharge();
      },
      release: () => {
        if (done) return;
        done = true;
        this.ip.release(ipKey);
        this.address.release(addressKey);
      },
    };
  }
}
