// --daily-budget: a cap on what all drips together send per rolling 24 h. A drip reserves its amount
// before it is sent (concurrent drips cannot overshoot) and the reservation becomes a charge once
// the send happened (or is ambiguous: the money may be gone); a refused send gives it back. Charges
// older than the window stop counting, so the budget frees gradually, and the answer says when
// enough has freed for the next drip.

export const BUDGET_WINDOW_MS = 24 * 3_600_000;

export type BudgetReservation = { ok: true; commit(at: number): void; release(): void } | { ok: false; retryAfterS: number; freesAt: number };

export class RollingBudget {
  /** charges oldest first: [timestamp ms, amount] */
  private readonly charges: Array<[number, bigint]> = [];
  private chargedSum = 0n;
  private pending = 0n;
  refused = 0;

  constructor(
    readonly limit: bigint,
    private readonly now: () => number,
    readonly windowMs = BUDGET_WINDOW_MS,
    private readonly onCharge: () => void = () => {},
  ) {}

  private expire(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.charges.length > 0 && this.charges[0]![0] <= cutoff) this.chargedSum -= this.charges.shift()![1];
  }

  /** Charged in the window plus reserved by drips in flight. */
  used(): bigint {
    this.expire(this.now());
    return this.chargedSum + this.pending;
  }

  /** Whether `amount` fits now, without holding it (GET /challenge asks before a puzzle is solved). */
  peek(amount: bigint): { ok: true } | { ok: false; retryAfterS: number; freesAt: number } {
    const now = this.now();
    this.expire(now);
    return this.chargedSum + this.pending + amount > this.limit ? { ok: false, ...this.freesAt(amount, now) } : { ok: true };
  }

  /** Hold `amount` if it fits; else say when enough will have expired. */
  reserve(amount: bigint): BudgetReservation {
    const fits = this.peek(amount);
    if (!fits.ok) {
      this.refused++;
      return fits;
    }
    this.pending += amount;
    let done = false;
    return {
      ok: true,
      commit: (at: number) => {
        if (done) return;
        done = true;
        this.pending -= amount;
        this.charges.push([at, amount]);
        this.chargedSum += amount;
        this.onCharge();
      },
      release: () => {
        if (done) return;
        done = true;
        this.pending -= amount;
      },
    };
  }

  /** When the oldest charges will have expired far enough for `amount` to fit (ignoring drips in flight). */
  private freesAt(amount: bigint, now: number): { retryAfterS: number; freesAt: number } {
    let over = this.chargedSum + this.pending + amount - this.limit;
    let at = now + this.windowMs;
    for (const [t, a] of this.charges) {
      over -= a;
      if (over <= 0n) {
        at = t + this.windowMs;
        break;
      }
    }
    // reservations in flight resolve within a request: count them as freeing within a few seconds
    at = Math.max(at, now + 1000);
    return { retryAfterS: Math.ceil((at - now) / 1000), freesAt: at };
  }

  /** Live charges for a state file: [[timestamp, amount as decimal string], ...]. */
  snapshot(): Array<[number, string]> {
    this.expire(this.now());
    return this.charges.map(([t, a]) => [t, a.toString()]);
  }

  /** Load charges saved by snapshot(), dropping expired and malformed ones. */
  restore(entries: unknown): void {
    if (!Array.isArray(entries)) return;
    const now = this.now();
    const good = entries
      .filter((e): e is [number, string] => Array.isArray(e) && typeof e[0] === 'number' && Number.isFinite(e[0]) && typeof e[1] === 'string' && /^\d{1,40}$/.test(e[1]))
      .filter(([t]) => t > now - this.windowMs && t <= now + 60_000)
      .sort((a, b) => a[0] - b[0]);
    for (const [t, a] of good) {
      this.charges.push([t, BigInt(a)]);
      this.chargedSum += BigInt(a);
    }
  }
}
