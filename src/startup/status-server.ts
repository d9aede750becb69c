// The pod's probe endpoint (`--status-listen`, the chart uses 0.0.0.0:9639): /livez, /readyz,
// /status, /metrics, all read from the one SupervisorState. Kubelet probes hit this instead of
// luxd so readiness includes our post-start tasks (aliases, import), not only luxd's health.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { HostPort } from '../core/options.js';
import { LuxopsError } from '../core/errors.js';
import { METRICS_CONTENT_TYPE } from '../core/metrics-text.js';
import { httpDate } from '../core/utc-time.js';
import { renderMetrics } from './metrics.js';
import type { SupervisorState } from './state.js';

export interface StatusServer {
  readonly port: number;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  // the Date header from core/utc-time: Node's own (toUTCString) would load ICU into the supervisor
  res.sendDate = false;
  res.writeHead(status, { date: httpDate(Date.now()), 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** Route one request against the state. */
export function handleStatusRequest(state: SupervisorState, req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  const json = (status: number, doc: unknown) => send(res, status, 'application/json', JSON.stringify(doc) + '\n');
  switch (path) {
    case '/livez':
      return state.phase === 'exited' ? json(503, { live: false }) : json(200, { live: true });
    case '/readyz': {
      const r = state.readiness();
      return json(r.ready ? 200 : 503, r);
    }
    case '/status':
      return json(200, state.snapshot());
    case '/metrics':
      return send(res, 200, METRICS_CONTENT_TYPE, renderMetrics(state));
    default:
      return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

/** Listen on `where`; fails with E_STATUS_LISTEN (exit 1) when the address is taken. */
export async function startStatusServer(where: HostPort, state: SupervisorState, log: Logger): Promise<StatusServer> {
  // loaded here, not at module load: the supervisor starts this server after spawning luxd
  // (getBuiltinModule, not import(): chunks run as vm scripts, which have no dynamic import hook)
  const { createServer } = process.getBuiltinModule('node:http');
  const server = createServer((req, res) => handleStatusRequest(state, req, res));
  // probes are tiny and periodic; do not let an idle keep-alive socket delay shutdown
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new LuxopsError('E_STATUS_LISTEN', `cannot listen on --status-listen ${where.host}:${where.port}: ${e.code ?? e.message}`, { cause: e })),
    );
    server.listen(where.port, where.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ statusHost: where.host, statusPort: port }, `status server listening on ${where.host}:${port}`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
