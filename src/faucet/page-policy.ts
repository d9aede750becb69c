// The sentences the page states before the click: what one drip gives and under which rules, built
// from the same settings the server enforces (so the page cannot promise something else).
import type { LimitSpec } from './values.js';

export interface PolicyFacts {
  /** e.g. "1 LUX" or "1 LUX and 10 USDC" */
  offer: string;
  ipLimit: LimitSpec;
  addressLimit: LimitSpec;
  /** daily budget in display form ("1000 LUX"), when --daily-budget is set */
  budget?: string | undefined;
  pow: boolean;
  refuseContracts: boolean;
}

/** "24 h", "1 h", "30 min", "90 s", "2 days". */
export function humanWindow(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 86400 === 0 && s >= 2 * 86400) return `${s / 86400} days`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** The rule lines shown under the offer. */
export function policyLines(f: PolicyFacts): string[] {
  const lines: string[] = [];
  const { ipLimit: ip, addressLimit: addr } = f;
  if (ip.count > 0 && addr.count > 0 && ip.count === addr.count && ip.windowMs === addr.windowMs) {
    lines.push(ip.count === 1 ? `${f.offer} per address and per IP every ${humanWindow(ip.windowMs)}.` : `${f.offer} up to ${ip.count} times per address and per IP every ${humanWindow(ip.windowMs)}.`);
  } else {
    if (addr.count > 0) lines.push(`Each address can receive ${f.offer} ${times(addr.count)} every ${humanWindow(addr.windowMs)}.`);
    if (ip.count > 0) lines.push(`Each IP address can ask ${times(ip.count)} every ${humanWindow(ip.windowMs)}.`);
    if (addr.count === 0 && ip.count === 0) lines.push(`${f.offer} per request.`);
  }
  if (f.budget) lines.push(`At most ${f.budget} in total per 24 h for everyone.`);
  if (f.refuseContracts) lines.push('Contract addresses are not accepted.');
  if (f.pow) lines.push('Your browser first solves a short proof-of-work puzzle (usually a few seconds) to keep bots out.');
  return lines;
}
