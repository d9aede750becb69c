// The one Kubernetes API call startup makes: GET a Service in the pod's namespace, in-cluster, the
// way every client (client-go, @kubernetes/client-node) configures itself: API at
// https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, trusting the mounted ca.crt, bearer token
// from the mounted token file. The token and CA are read again for every request: bound service
// account tokens are rotated by kubelet (hourly by default) and a cached one expires under a long wait.
// A small client on core/node-http.ts instead of @kubernetes/client-node: measured in bench/RESULTS.md
// (section startup, public IP), that library would more than double the supervisor's start-up cost.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LuxopsError } from '../core/errors.js';

/** Where the pod's service-account files are mounted (every in-cluster client's default). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InCluster {
  /** https://host:port */
  readonly baseUrl: string;
  readonly tokenPath: string;
  readonly caPath: string;
}

/** The in-cluster API endpoint from the environment, or why there is none. */
export function inClusterConfig(env: Readonly<Record<string, string | undefined>>, saDir: string): InCluster | { missing: string } {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return { missing: 'KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set (not running in a Kubernetes pod?)' };
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { baseUrl: `https://${h}:${port}`, tokenPath: join(saDir, 'token'), caPath: join(saDir, 'ca.crt') };
}

/** An answer of the API server. */
export interface KubeAnswer {
  readonly status: number;
  readonly body: string;
  readonly url: string;
}

/** Read a mounted file (a few KB, sync: no fs/promises before luxd starts); E_KUBE_FILE naming it, never its content. */
export async function readMounted(path: string, what: string): Promise<Buffer> {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LuxopsError('E_KUBE_FILE', `cannot read the service account ${what} ${path}: ${code ?? (e as Error).message}`, { cause: e, details: { errno: code } });
  }
}

/**
 * GET /api/v1/namespaces/<ns>/services/<name>. Network failures, timeouts and answers over 1 MiB (a
 * Service object is a few KB) throw HttpNetworkError;
 * every HTTP status is returned for the caller to classify. The token is re-read here, every call.
 */
export async function getService(cfg: InCluster, namespace: string, name: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<KubeAnswer> {
  const token = (await readMounted(cfg.tokenPath, 'token')).toString('utf8').trim();
  const ca = await readMounted(cfg.caPath, 'CA certificate');
  // loaded here: with the helper process (kube-helper.ts) the supervisor uses this module's pure
  // parts only, and node:http waits until after luxd's spawn
  const { lightHttpText } = await import('../core/node-http.js');
  const url = `${cfg.baseUrl}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`;
  // agent: false (the CA option): one connection per attempt (seconds apart), nothing left open to the API server
  const r = await lightHttpText('GET', url, undefined, { timeoutMs: opts.timeoutMs, signal: opts.signal, ca, headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'luxops-startup' } });
  return { ...r, url };
}

/** `status.loadBalancer.ingress[0]` of a Service document, if any. */
export function firstIngress(doc: unknown): { ip?: string; hostname?: string } | undefined {
  const ingress = (doc as { status?: { loadBalancer?: { ingress?: unknown } } } | null)?.status?.loadBalancer?.ingress;
  if (!Array.isArray(ingress) || ingress.length === 0) return undefined;
  const first = ingress[0] as { ip?: unknown; hostname?: unknown } | null;
  if (!first || typeof first !== 'object') return undefined;
  return {
    ...(typeof first.ip === 'string' && first.ip !== '' ? { ip: first.ip } : {}),
    ...(typeof first.hostname === 'string' && first.hostname !== '' ? { hostname: first.hostname } : {}),
  };
}

/** The `message` of a Kubernetes Status answer (403/404 bodies), bounded, for the log. */
export function statusMessage(body: string): string | undefined {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    return typeof m === 'string' ? m.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}
