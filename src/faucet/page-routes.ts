// The page's routes on the public port: the page itself (rendered once per chain id), the PoW worker,
// GET /challenge, GET /tx/<hash> (mined status of this faucet's own transactions), and the HTML
// form of a /drip answer for browsers without JavaScript (Accept: text/html).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PageConfig } from './page.js';
import { CSP, WORKER, WORKER_CSP, renderPage, wantsHtml } from './page.js';
import type { PageResult } from './page.js';
import { dripResult, txResult } from './page-answer.js';
import type { DripGuards, GuardAnswer, LimitPeek } from './guards.js';
import { clientIp } from './client-ip.js';

export interface PageRouteContext {
  page: () => PageConfig;
  guards?: DripGuards | undefined;
  limitPeek: (address: string, ip: string) => LimitPeek;
  trustProxy: number;
  now: () => number;
}

const HTML_HEADERS = { 'content-security-policy': CSP, 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' };

function write(res: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

function json(res: ServerResponse, a: GuardAnswer): void {
  write(res, a.status, JSON.stringify(a.body), 'application/json; charset=utf-8', a.headers);
}

export const OUTAGE_NOTICE: PageResult = { kind: 'err', lead: 'The faucet is temporarily unavailable.', more: 'It cannot send right now (its node or its wallet needs attention). Please try again later.' };

/** Rendered pages by chain id (the chain id may only be known after the node first answered) and outage. */
export class PageCache {
  private key: string | undefined;
  private html = '';
  constructor(private readonly page: () => PageConfig) {}
  get(outage = false): string {
    const c = this.page();
    const key = `${c.chainId}:${outage}`;
    if (key !== this.key) {
      this.html = renderPage(c, outage ? OUTAGE_NOTICE : undefined);
      this.key = key;
    }
    return this.html;
  }
}

export function sendPage(res: ServerResponse, html: string, status = 200): void {
  write(res, status, html, 'text/html; charset=utf-8', HTML_HEADERS);
}

export function sendWorker(res: ServerResponse): void {
  write(res, 200, WORKER, 'text/javascript; charset=utf-8', { 'content-security-policy': WORKER_CSP, 'cache-control': 'public, max-age=300' });
}

/** GET /challenge?address=0x... */
export function sendChallenge(ctx: PageRouteContext, req: IncomingMessage, res: ServerResponse): void {
  if (!ctx.guards) return json(res, { status: 404, body: { error: 'this faucet does not ask for a proof of work' } });
  const url = new URL(req.url ?? '/', 'http://x');
  const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], ctx.trustProxy);
  json(res, ctx.guards.challenge(url.searchParams.get('address'), ip, (a) => ctx.limitPeek(a, ip)));
}

/** GET /tx/<hash>: JSON for the page's script, HTML for a browser following the no-JS answer's link. */
export async function sendTxStatus(ctx: PageRouteContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const hash = path.slice('/tx/'.length);
  let a: GuardAnswer;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) a = { status: 400, body: { error: 'expected /tx/0x followed by 64 hex digits' } };
  else {
    try {
      const st = await ctx.guards?.txs.get(hash);
      a = st ? { status: 200, body: { ...st } } : { status: 404, body: { error: 'this faucet did not send that transaction recently' } };
    } catch {
      a = { status: 503, body: { error: 'faucet temporarily unavailable' } };
    }
  }
  if (wantsHtml(req.headers.accept)) return sendPage(res, renderPage(ctx.page(), txResult(a.status, a.body)), a.status);
  json(res, a);
}

/** A /drip answer as the page with its result filled in, when the client asked for HTML. */
export function sendDripAnswer(ctx: PageRouteContext, req: IncomingMessage, res: ServerResponse, a: GuardAnswer): boolean {
  if (!wantsHtml(req.headers.accept)) return false;
  const result: PageResult = dripResult(ctx.page(), a.status, a.body, ctx.now());
  sendPage(res, renderPage(ctx.page(), result), a.status);
  return true;
}
