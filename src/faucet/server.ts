// The faucet's node:http servers: the public one (page, /drip, minimal /health, probes) and the
// optional admin one (--admin-listen: /metrics, detailed /health, probes). A slow client is cut off
// by headersTimeout/requestTimeout (checked every second) and bodies are capped, so it cannot hold
// the server; `Expect: 100-continue` with an oversized Content-Length is refused before the client
// sends the body. A client that goes away is counted, not logged as an error.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { clientIp } from './client-ip.js';
import { ClientGoneError, MAX_BODY_BYTES, declaredTooLarge, parseDripBody, readBody } from './body.js';
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
  /** readiness: true while the faucet takes traffic (false before listening and while draining) */
  ready: () => boolean;
  log: Logger;
}

type Routes = Record<string, readonly string[]>;
const PUBLIC: Routes = {
  '/': ['GET', 'HEAD'], '/drip': ['POST'], '/health': ['GET', 'HEAD'], '/livez': ['GET', 'HEAD'], '/readyz': ['GET', 'HEAD'],
  '/challenge': ['GET', 'HEAD'], '/pow-worker.js': ['GET', 'HEAD'], '/tx': ['GET', 'HEAD'],
};

/** The route a path belongs to: itself, or /tx for /tx/<hash>. */
function routeOf(path: string): string {
  return path.startsWith('/tx/') ? '/tx' : path;
}
const ADMIN: Routes = { '/metrics': ['GET', 'HEAD'], '/health': ['GET', 'HEAD'], '/livez': ['GET', 'HEAD'], '/readyz': ['GET', 'HEAD'] };

function send(res: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

type Handler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

/** One node:http server over a route table, with latency metrics, abort accounting and 100-continue handling. */
function serve(o: ServerOptions, routes: Routes, prefix: string, handler: Handler): Server {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const key = routeOf(path);
    const route = key in routes ? prefix + key : `${prefix}other`;
    // 'close' follows 'finish' for an answered request, and comes alone when the client went away
    res.once('close', () => {
      if (res.writableFinished) o.metrics.request(route, (performance.now() - started) / 1000);
      else o.metrics.clientAborts++;
    });
    const methods = routes[key];
    const run = !methods ? Promise.resolve(sendJson(res, 404, { error: 'not found' }))
      : !methods.includes(req.method ?? '') ? Promise.resolve(sendJson(res, 405, { error: `method ${req.method} not allowed` }, { allow: methods.join(', ') }))
      : handler(req, res, path);
    run.catch((e: unknown) => {
      if (e instanceof ClientGoneError || req.destroyed) {
        o.log.debug({ route }, `client went away: ${errorMessage(e)}`);
        return;
      }
      o.log.error({ code: 'E_HANDLER' }, `request failed: ${errorMessage(e)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
  const server = createServer({ requestTimeout: o.requestTimeoutMs, headersTimeout: Math.min(o.requestTimeoutMs, 10_000), connectionsCheckingInterval: 1000, keepAliveTimeout: 5000 }, onRequest);
  // Without this listener node answers every `Expect: 100-continue` with 100 Continue, inviting a body we refuse anyway
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (declaredTooLarge(req)) {
      o.metrics.drip('invalid');
      sendJson(res, 413, { error: `request body over ${MAX_BODY_BYTES / 1024} KiB` }, { connection: 'close' });
      return;
    }
    res.writeContinue();
    onRequest(req, res);
  });
  server.maxHeadersCount = 64;
  return server;
}

async function probe(o: ServerOptions, res: ServerResponse, path: string): Promise<void> {
  // liveness: the event loop answers; readiness: listening and not draining (an empty wallet or a
  // dead RPC keeps the faucet ready: the page and /drip explain the outage to users)
  if (path === '/livez') return send(res, 200, 'ok\n', 'text/plain; charset=utf-8');
  return o.ready() ? send(res, 200, 'ok\n', 'text/plain; charset=utf-8') : send(res, 503, 'draining\n', 'text/plain; charset=utf-8');
}

/** Create (not start) the public HTTP server. */
export function createFaucetServer(o: ServerOptions): Server {
  const page = new PageCache(o.pages.page);
  return serve(o, PUBLIC, '', async (req, res, path) => {
    switch (routeOf(path)) {
      case '/':
        // an empty wallet or a dead node: the page says so up front (rendered here, no extra request)
        return sendPage(res, page.get((await o.faucet.health()).status !== 200));
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
      case '/livez':
      case '/readyz':
        return probe(o, res, path);
      default: {
        const raw = await readBody(req);
        if (raw === undefined) {
          o.metrics.drip('invalid');
          // the rest of the body is not read: close the connection instead of draining it
          return sendJson(res, 413, { error: `request body over ${MAX_BODY_BYTES / 1024} KiB` }, { connection: 'close' });
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
  });
}

/** Create (not start) the admin server (--admin-listen): metrics and the detailed health view. */
export function createAdminServer(o: ServerOptions): Server {
  return serve(o, ADMIN, 'admin:', async (_req, res, path) => {
    switch (path) {
      case '/metrics':
        return send(res, 200, o.metrics.render(o.gauges()), 'text/plain; version=0.0.4; charset=utf-8');
      case '/health': {
        const h = await o.faucet.adminHealth();
        return sendJson(res, h.status, h.body);
      }
      default:
        return probe(o, res, path);
    }
  });
}
