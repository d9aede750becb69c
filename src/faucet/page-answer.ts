// The no-JavaScript answers: a drip's or a transaction status's JSON answer turned into the page's
// result block, with the same wording the script uses (times in UTC: the server does not know the
// visitor's zone). Only the user's own mistakes (4xx) carry the server's text; anything else is the
// generic "temporarily unavailable", so no internal detail reaches the page.
import type { PageConfig, PageResult } from './page.js';
import { offerText } from './page.js';

/** "23 h 59 min", "4 min 10 s", "12 s" (the script's span()). */
export function spanText(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const x = s % 60;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min${x && m < 10 ? ` ${x} s` : ''}`;
  return `${x} s`;
}

function when(body: Record<string, unknown>, now: number): string {
  const s = Number(body.retryAfterS) || 0;
  const at = typeof body.retryAt === 'number' ? body.retryAt : now + s * 1000;
  const d = new Date(at);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
  return `in ${spanText(s)} (at ${hhmm})`;
}

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** The result block for a /drip answer. */
export function dripResult(c: PageConfig, status: number, body: Record<string, unknown>, now: number): PageResult {
  const offer = offerText(c);
  if (status === 200 || status === 202) {
    const txs = [];
    if (typeof body.txHash === 'string') txs.push({ label: 'Transaction', hash: body.txHash });
    if (typeof body.tokenTxHash === 'string') txs.push({ label: 'Token transaction', hash: body.tokenTxHash });
    const to = typeof body.address === 'string' ? body.address : 'your address';
    const more = status === 202 ? 'The node has not confirmed it yet; it may take a little longer. This request counted: no need to ask again.' : undefined;
    return { kind: 'ok', lead: `${status === 202 ? 'Sending' : 'Sent'} ${offer} to ${to}.`, more, txs };
  }
  if (status === 429) {
    const who = body.limit === 'ip' ? 'Your network (IP address)' : 'This address';
    return { kind: 'err', lead: `${who} already received ${offer} recently.`, more: `You can ask again ${when(body, now)}.` };
  }
  if (status === 503 && body.reason === 'budget') {
    return { kind: 'err', lead: 'The faucet has handed out its daily budget.', more: `It can send again ${when(body, now)}.` };
  }
  if (status >= 400 && status < 500 && typeof body.error === 'string') return { kind: 'err', lead: sentence(body.error) };
  return { kind: 'err', lead: 'The faucet is temporarily unavailable.', more: 'Please try again in a few minutes.' };
}

/** The result block for a /tx/<hash> answer. */
export function txResult(status: number, body: Record<string, unknown>): PageResult {
  const hash = typeof body.hash === 'string' ? body.hash : '';
  if (status !== 200) return { kind: 'err', lead: typeof body.error === 'string' ? sentence(body.error) : 'The faucet is temporarily unavailable.' };
  const state =
    body.status === 'mined' ? `mined${body.blockNumber !== undefined ? ` in block ${String(body.blockNumber)}` : ''}` : body.status === 'failed' ? 'mined, but the transfer failed' : 'not mined yet (reload this page to check again)';
  return { kind: body.status === 'failed' ? 'err' : 'ok', lead: `The transaction is ${state}.`, txs: [{ label: 'Transaction', hash, status: 'check again' }] };
}
