// The faucet's node:http server: routes, status codes, timeouts. A slow client is cut off by
// headersTimeout/requestTimeout (checked every second) and bodies are capped, so it cannot hold
// the server; everything else is the Faucet's job.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { clientIp } from './client-ip.js';
import { parseDripBody, readBody } from './body.js';
import type { Faucet } from './faucet.js';
import type { Gauges, Metrics } from './metrics.js';
import type { PageRouteContext } from './page-routes.js';
import { PageCache, sendChallenge, sendDripAnswer, sendPage, sendTxStatus, sendWorker } from './page-routes.js';

export interface ServerOptions {
  faucet: Faucet;
  metrics: Metrics;
  gauges: () => Gauges;
  /** the page, /challenge, /tx/<hash> and HTML answers (issue #17) */
  pages: PageRouteContext;
  trustProxy: number;
  requestTimeoutMs: number;
  log: Logger;
}

const ROUTES: Record<string, readonly string[]> = {
  '/': ['GET', 'HEAD'], '/drip': ['POST'], '/health': ['GET', 'HEAD'], '/metrics': ['GET', 'HEAD'],
  '/challenge': ['GET', 'HEAD'], '/pow-worker.js': ['GET', 'HEAD'], '/tx': ['GET', 'HEAD'],
};

/** The route a path belongs to: itself, or /tx for /tx/<hash>. */
function routeOf(path: string): string {
  return path.startsWith('/tx/') ? '/tx' : path;
}

function send(res: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

/** Create (not start) the HTTP server. */
export function createFaucetServer(o: ServerOptions): Server {
  const page = new PageCache(o.pages.page);
  const server = createServer({ requestTimeout: o.requestTimeoutMs, headersTimeout: Math.min(o.requestTimeoutMs, 10_000), connectionsCheckingInterval: 1000, keepAliveTimeout: 5000 }, (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routeOf(path) in ROUTES ? routeOf(path) : 'other';
    res.on('finish', () => o.metrics.request(route, (performance.now() - started) / 1000));
    handle(o, page, req, res, path).catch((e: unknown) => {
      o.log.error({ code: 'E_HANDLER' }, `request failed: ${errorMessage(e)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.maxHeadersCount = 64;
  return server;
}

async function handle(o: ServerOptions, page: PageCache, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const methods = ROUTES[routeOf(path)];
  if (!methods) return sendJson(res, 404, { error: 'not found' });
  if (!methods.includes(req.method ?? '')) return sendJson(res, 405, { error: `method ${req.method} not allowed` }, { allow: methods.join(', ') });
  switch (routeOf(path)) {
    case '/':
      return sendPage(res, page.get());
    case '/pow-worker.js':
      return sendWorker(res);
    case '/challenge':
      return sendChallenge(o.pages, req, res);
    case '/tx':
      return sendTxStatus(o.pages, req, res, path);
    case '/health': {
      const h = await o.faucet.health();
      return sendJson(res, h.status, h.body);
    }
    case '/metrics':
      return send(res, 200, o.metrics.render(o.gauges()), 'text/plain; version=0.0.4; charset=utf-8');
    default: {
      const raw = await readBody(req);
      if (raw === undefined) {
        o.metrics.drip('invalid');
        // the rest of the body is not read: close the connection instead of draining it
        return sendJson(res, 413, { error: 'request body over 1 KiB' }, { connection: 'close' });
      }
      const parsed = parseDripBody(req.headers['content-type'], raw);
      if (!parsed.ok) {
        o.metrics.drip('invalid');
        if (sendDripAnswer(o.pages, req, res, { status: parsed.status, body: { error: parsed.error } })) return;
        return sendJson(res, parsed.status, { error: parsed.error });
      }
      const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], o.trustProxy);
      const answer = await o.faucet.drip(parsed.address, ip, { challenge: parsed.challenge, nonce: parsed.nonce });
      if (sendDripAnswer(o.pages, req, res, answer)) return;
      return sendJson(res, answer.status, answer.body, answer.headers);
    }
  }
}
