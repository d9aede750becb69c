// Parsers for the faucet's own value syntaxes: token amounts (18 decimals) and `N/DURATION` limits.
// They throw UsageError naming the flag, so a typo stops the faucet before it listens.
import { UsageError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';

export interface LimitSpec {
  /** drips allowed per window; 0 = no limit */
  readonly count: number;
  readonly windowMs: number;
}

export const NO_LIMIT: LimitSpec = Object.freeze({ count: 0, windowMs: 0 });

/** `1.5` tokens -> wei as bigint (exactly, no float rounding); `allowZero` for --min-balance. */
export function parseTokens(flag: string, raw: string, allowZero: boolean): bigint {
  const m = /^(\d{1,30})(?:\.(\d{1,18}))?$/.exec(raw.trim());
  if (!m) throw new UsageError(`invalid value for --${flag}: ${JSON.stringify(raw)}, expected a token amount like 1 or 0.25 (at most 18 decimals)`, 'E_BAD_AMOUNT');
  const wei = BigInt(m[1]!) * 10n ** 18n + BigInt((m[2] ?? '').padEnd(18, '0'));
  if (wei === 0n && !allowZero) throw new UsageError(`invalid value for --${flag}: ${JSON.stringify(raw)}, expected an amount above 0`, 'E_BAD_AMOUNT');
  return wei;
}

/** `N/DURATION` (e.g. `1/24h`, `5/1h`) or `off`/`0`. */
export function parseLimit(flag: string, raw: string): LimitSpec {
  const s = raw.trim().toLowerCase();
  if (s === 'off' || s === '0' || s === 'none') return NO_LIMIT;
  const m = /^(\d{1,6})\/(.+)$/.exec(s);
  const windowMs = m ? parseDuration(m[2]!) : undefined;
  const count = m ? Number(m[1]) : 0;
  if (!m || windowMs === undefined || windowMs < 1000 || count < 1) {
    throw new UsageError(`invalid value for --${flag}: ${JSON.stringify(raw)}, expected N/DURATION like 1/24h (window >= 1s) or off`, 'E_BAD_LIMIT');
  }
  return Object.freeze({ count, windowMs });
}

/** wei -> a short decimal token string for logs and the page (`1.5`). */
export function formatTokens(wei: bigint): string {
  const whole = wei / 10n ** 18n;
  const frac = (wei % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}
