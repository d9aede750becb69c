// Resolve luxd's --public-ip before luxd starts, through the ordered `--public-ip-from` sources
// (see public-ip-spec.ts). The service source is the chart's loop: GET the pod's own LoadBalancer
// Service until it has an ingress (30 attempts, 5 s apart by default), logging every wait. What is
// retried and what is not:
//   retried:  connection errors, timeouts, 5xx, 429, 401 (a token being rotated is re-read next
//             time), no ingress yet, an ingress hostname that does not resolve yet (new ELB names take
//             minutes to appear in DNS), an answer that is not a Service document
//   at once:  403 (RBAC does not allow `get` on the Service) and 404 (no such Service): waiting does
//             not fix a missing Role or Service, so the next source is tried right away
// The first source that yields an address wins; none -> E_PUBLIC_IP (exit 1), luxd is not started.
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { LuxopsError, errorMessage } from '../core/errors.js';
import { formatDuration } from '../core/units.js';
import type { ResolvedSource } from './public-ip-spec.js';
import { sourceLabel } from './public-ip-spec.js';
import type { GetService } from './kube-helper.js';

export interface PublicIpOptions {
  readonly sources: readonly ResolvedSource[];
  readonly attempts: number;
  readonly intervalMs: number;
  /** --kube-namespace; else the service account's namespace file, else $POD_NAMESPACE */
  readonly namespace?: string;
  readonly serviceAccountDir?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** the Service GET: kube-api's getService in this process by default; the entry runs it in a
   * helper process (kube-helper.ts) so TLS never loads into the long-lived supervisor */
  readonly getService?: GetService;
  /** where lines that need not appear before luxd starts go (network-args: logged after the spawn) */
  readonly defer?: (line: () => void) => void;
  /** DNS for hostname ingresses (tests inject); dns.lookup by default */
  readonly lookup?: (host: string) => Promise<string[]>;
  /** network interfaces for the pod source (tests inject); os.networkInterfaces by default */
  readonly interfaces?: () => NodeJS.Dict<Array<{ address: string; internal: boolean; family: string | number }>>;
}

export interface PublicIp {
  readonly ip: string;
  readonly source: string;
  /** how long resolving took, all sources included */
  readonly ms: number;
  /** the read of the Service that gave it (service source) */
  readonly attempt?: number;
}

const REQUEST_TIMEOUT_MS = 5000;

/** A source gave up; `why` goes into the final error when nothing else works. */
class SourceFailed extends Error {}

/** Sleep `ms`, rejecting with the signal's reason on abort (no timers module, no HTTP client loaded). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function defaultLookup(host: string): Promise<string[]> {
  const dns = process.getBuiltinModule('node:dns');
  const all = await dns.promises.lookup(host, { all: true });
  return all.map((a) => a.address);
}

/** IPv4 first: luxd announces one address, and most LoadBalancer front ends are reached over IPv4. */
function pickAddress(addrs: readonly string[]): string | undefined {
  return addrs.find((a) => isIP(a) === 4) ?? addrs.find((a) => isIP(a) === 6);
}

async function namespaceOf(o: PublicIpOptions, saDir: string, readMounted: (p: string, what: string) => Promise<Buffer>): Promise<string> {
  if (o.namespace) return o.namespace;
  try {
    const ns = (await readMounted(`${saDir}/namespace`, 'namespace')).toString('utf8').trim();
    if (ns) return ns;
  } catch {
    /* fall through to the env */
  }
  if (o.env.POD_NAMESPACE) return o.env.POD_NAMESPACE;
  throw new SourceFailed(`no namespace: set --kube-namespace, mount ${saDir}/namespace, or set POD_NAMESPACE`);
}

/** The service source: poll the Service until it has an ingress address. */
async function fromService(name: string, o: PublicIpOptions): Promise<{ ip: string; attempt: number }> {
  // loaded here: static and pod sources (every pod without the LoadBalancer component) never load
  // the API client, node:http (its errors) or TLS before luxd starts
  const { firstIngress, getService, inClusterConfig, readMounted, statusMessage, SERVICE_ACCOUNT_DIR } = await import('./kube-api.js');
  const saDir = o.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const cfg = inClusterConfig(o.env, saDir);
  if ('missing' in cfg) throw new SourceFailed(cfg.missing);
  const namespace = await namespaceOf(o, saDir, readMounted);
  const what = `service ${namespace}/${name}`;
  // the chart skipped the API without a token; so do we, but say where it was looked for
  try {
    await readMounted(cfg.tokenPath, 'token');
  } catch (e) {
    throw new SourceFailed(`${errorMessage(e)} (is a service account token mounted into this container?)`);
  }
  const lookup = o.lookup ?? defaultLookup;
  // Lines of the happy path wait for the spawn (o.defer): setting up the logger costs luxd's start
  // ~10 ms. The first wait, or a failure, prints them at once, in order, before its own line.
  const early: Array<() => void> = [];
  const flushEarly = (via: (line: () => void) => void = (line) => line()) => {
    for (const line of early.splice(0)) via(line);
  };
  early.push(() => o.log.info({ service: name, namespace, attempts: o.attempts, intervalMs: o.intervalMs }, `public IP: reading the LoadBalancer address of ${what}`));
  const done = <T>(v: T): T => (flushEarly(o.defer), v);
  let reason = '';
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    o.signal?.throwIfAborted();
    try {
      // 5 s per request, the chart's `curl -m 5`: 30 attempts stay within the pod's 300 s startupProbe
      const r = await (o.getService ?? getService)(cfg, namespace, name, { timeoutMs: REQUEST_TIMEOUT_MS, signal: o.signal });
      if (r.status === 403) throw new SourceFailed(`${what}: 403 Forbidden (${statusMessage(r.body) ?? 'no message'}); the pod's service account needs a Role allowing get on services/${name} and a RoleBinding to it`);
      if (r.status === 404) throw new SourceFailed(`${what}: 404 Not Found (${statusMessage(r.body) ?? 'no message'}); create the per-pod LoadBalancer Service or drop service: from --public-ip-from`);
      if (r.status !== 200) reason = `HTTP ${r.status}${r.status === 401 ? ' (token rejected; it is read again next attempt)' : ''}`;
      else {
        let doc: unknown;
        try {
          doc = JSON.parse(r.body);
        } catch {
          doc = undefined;
        }
        if ((doc as { kind?: unknown } | undefined)?.kind !== 'Service') reason = 'the answer is not a Service document';
        else {
          const ing = firstIngress(doc);
          if (ing?.ip !== undefined) {
            if (isIP(ing.ip) === 0) throw new SourceFailed(`${what}: ingress ip ${JSON.stringify(ing.ip.slice(0, 100))} is not an IP address`);
            return done({ ip: ing.ip, attempt });
          }
          if (ing?.hostname !== undefined) {
            try {
              const ip = pickAddress(await lookup(ing.hostname));
              if (ip) {
                early.push(() => o.log.info({ hostname: ing.hostname, ip }, `public IP: ingress hostname ${ing.hostname} resolves to ${ip}`));
                return done({ ip, attempt });
              }
              reason = `ingress hostname ${ing.hostname} has no address yet`;
            } catch (e) {
              reason = `ingress hostname ${ing.hostname} does not resolve yet (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)})`;
            }
          } else reason = 'no LoadBalancer ingress yet';
        }
      }
    } catch (e) {
      if (e instanceof SourceFailed || o.signal?.aborted) {
        flushEarly();
        throw e;
      }
      reason = errorMessage(e);
    }
    flushEarly();
    if (attempt < o.attempts) {
      o.log.info({ service: name, namespace, attempt, attempts: o.attempts, reason }, `public IP: ${what}: ${reason}; attempt ${attempt}/${o.attempts}, retrying in ${formatDuration(o.intervalMs)}`);
      await sleep(o.intervalMs, o.signal);
    }
  }
  throw new SourceFailed(`${what}: ${reason} after ${o.attempts} attempt(s)`);
}

function fromPod(o: PublicIpOptions): string {
  const podIp = o.env.POD_IP?.trim();
  if (podIp && isIP(podIp) !== 0) return podIp;
  // what `hostname -i` gave the chart: this host's own (non-loopback) address
  const ifs = (o.interfaces ?? (() => process.getBuiltinModule('node:os').networkInterfaces()))();
  const addrs = Object.values(ifs).flatMap((l) => l ?? []).filter((a) => !a.internal && !a.address.startsWith('fe80:')).map((a) => a.address);
  const ip = pickAddress(addrs);
  if (!ip) throw new SourceFailed(`POD_IP is ${podIp ? `not an IP (${JSON.stringify(podIp)})` : 'not set'} and no network interface has a non-loopback address`);
  return ip;
}

/** Try the sources in order; the first address wins. Throws E_PUBLIC_IP when none gives one. */
export async function resolvePublicIp(o: PublicIpOptions): Promise<PublicIp> {
  const t0 = Date.now();
  const failed: string[] = [];
  for (const s of o.sources) {
    const label = sourceLabel(s);
    try {
      let ip: string;
      let attempt: number | undefined;
      if (s.kind === 'static') {
        if (s.ip === undefined) throw new SourceFailed(`no entry for ordinal ${s.ordinal}`);
        ip = s.ip;
      } else if (s.kind === 'service') ({ ip, attempt } = await fromService(s.name, o));
      else ip = fromPod(o);
      const ms = Date.now() - t0;
      if (s.kind === 'pod' && failed.length > 0) {
        o.log.warn({ ip, source: label, failed }, `public IP: using the pod IP ${ip}: no external address found (${failed.join('; ')}); peers outside the cluster cannot reach this validator`);
      }
      return { ip, source: label, ms, ...(attempt !== undefined ? { attempt } : {}) };
    } catch (e) {
      if (!(e instanceof SourceFailed)) throw e;
      o.log.warn({ source: label, reason: e.message }, `public IP: ${label} gave no address: ${e.message}`);
      failed.push(`${label}: ${e.message}`);
    }
  }
  throw new LuxopsError('E_PUBLIC_IP', `no public IP for luxd from --public-ip-from (${failed.join('; ')}); luxd not started`, { details: { failed } });
}
