// luxd's network identity flags, decided before luxd starts: --public-ip from `--public-ip-from`
// and --bootstrap-ips/--bootstrap-ids from `--bootstrap-nodes` without this pod's own entry. Each
// replaces whatever luxd's command line had for it, and the log says what was replaced.
import type { Logger } from 'pino';
import { bootstrapFlags, loadBootstrapTable, ownOrdinal } from './bootstrap-nodes.js';
import { flagValues, setLuxdFlag } from './luxd-argv.js';
import { parsePublicIpFrom, resolveSources, sourceLabel } from './public-ip-spec.js';
import type { ResolvedSource } from './public-ip-spec.js';
import { UsageError } from '../core/errors.js';
import type { StartupConfig } from './options.js';
import type { GetService } from './kube-helper.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What the flags say, checked without touching the network (validate, --check and run share it). */
export interface NetworkPlan {
  readonly publicIp?: readonly ResolvedSource[];
  readonly bootstrap?: ReturnType<typeof bootstrapFlags> & { readonly own: number };
}

/** Parse and check `--public-ip-from` and `--bootstrap-nodes[-file]` against luxd's argv; usage errors. */
export function planNetwork(config: StartupConfig, luxdArgs: readonly string[], env: Env): NetworkPlan {
  const plan: { publicIp?: readonly ResolvedSource[]; bootstrap?: NetworkPlan['bootstrap'] } = {};
  const using = [config.publicIpFrom ? '--public-ip-from' : '', config.bootstrapNodes.length > 0 || config.bootstrapNodesFile ? '--bootstrap-nodes' : ''].filter(Boolean);
  if (using.length > 0 && config.attach) throw new UsageError(`${using.join(' and ')} cannot be used with --attach (luxd's command line is not ours)`, 'E_CONFLICT');
  if (config.publicIpFrom) {
    // luxd refuses --public-ip together with its own resolution service; say so before starting it
    if (flagValues(luxdArgs, 'public-ip-resolution-service').length > 0) {
      throw new UsageError("--public-ip-from sets luxd's --public-ip; remove --public-ip-resolution-service from luxd's command line", 'E_CONFLICT');
    }
    plan.publicIp = resolveSources(parsePublicIpFrom(config.publicIpFrom), env);
  }
  if (config.bootstrapNodes.length > 0 || config.bootstrapNodesFile) {
    const table = loadBootstrapTable(config.bootstrapNodes, config.bootstrapNodesFile);
    const own = ownOrdinal(env, 'bootstrap-nodes');
    plan.bootstrap = { ...bootstrapFlags(table, own), own };
  }
  return plan;
}

/** The --check view of a plan. */
export function describePlan(plan: NetworkPlan): Record<string, unknown> {
  return {
    ...(plan.publicIp ? { publicIpFrom: plan.publicIp.map(sourceLabel) } : {}),
    ...(plan.bootstrap ? { bootstrap: { ownOrdinal: plan.bootstrap.own, ips: plan.bootstrap.ips, ids: plan.bootstrap.ids } } : {}),
  };
}

export interface ApplyNetworkOptions {
  readonly plan: NetworkPlan;
  readonly config: StartupConfig;
  readonly env: Env;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /**
   * Where the result lines go: the supervisor logs them right after the spawn, because the first
   * line sets up the logger (pino, the stderr stream), and luxd should not wait for that when no
   * source needed the network (the service: source logs its waits as they happen).
   */
  readonly defer?: (line: () => void) => void;
  /** how the service: source reads its Service (public-ip.ts PublicIpOptions.getService) */
  readonly getService?: GetService;
}

/** luxd's args with the planned flags set; waits for the public IP when a service source needs it. */
export async function applyNetworkPlan(luxdArgs: readonly string[], o: ApplyNetworkOptions): Promise<string[]> {
  let args = [...luxdArgs];
  const later = o.defer ?? ((line: () => void) => line());
  // the public IP first: it may wait, and the bootstrap line then logs next to the spawn
  if (o.plan.publicIp) {
    const { resolvePublicIp } = await import('./public-ip.js');
    const r = await resolvePublicIp({
      sources: o.plan.publicIp,
      attempts: o.config.publicIpAttempts,
      intervalMs: o.config.publicIpInterval,
      namespace: o.config.kubeNamespace,
      serviceAccountDir: o.config.kubeServiceAccountDir,
      env: o.env,
      log: o.log,
      signal: o.signal,
      getService: o.getService,
      defer: o.defer,
    });
    const set = setLuxdFlag(args, 'public-ip', r.ip);
    args = set.args;
    const replaced = set.replaced.length > 0 ? ` (replaced ${set.replaced.map((v) => `--public-ip=${v}`).join(' ')} in luxd's command line)` : '';
    later(() => o.log.info({ publicIp: r.ip, source: r.source, attempt: r.attempt, resolveMs: r.ms, replaced: set.replaced }, `luxd --public-ip=${r.ip} from ${r.source}${replaced}`));
  }
  const b = o.plan.bootstrap;
  if (b) {
    // Few fields on purpose: this line is logged before luxd starts, after the TLS handshake of a
    // service: source, and with 8 fields (a `replaced` object or two arrays) the single executable's
    // peak RSS measured 6 MB higher (63 vs 57 MB; bench/RESULTS.md, section startup). What was
    // replaced goes into the message, as on the --public-ip line.
    const ips = setLuxdFlag(args, 'bootstrap-ips', b.ips);
    const ids = setLuxdFlag(ips.args, 'bootstrap-ids', b.ids);
    args = ids.args;
    const was = [...ips.replaced.map((v) => `--bootstrap-ips=${v}`), ...ids.replaced.map((v) => `--bootstrap-ids=${v}`)];
    later(() =>
      o.log.info(
        { ownOrdinal: b.own, peers: b.peers.length, bootstrapIps: b.ips, bootstrapIds: b.ids },
        `luxd bootstrap peers: ${b.peers.length} of ${b.peers.length + (b.self ? 1 : 0)} (${b.self ? `own entry ${b.own} ${b.self.id}@${b.self.endpoint} left out` : `ordinal ${b.own} is not in the table`})${was.length > 0 ? ` (replaced ${was.join(' ')} in luxd's command line)` : ''}`,
      ),
    );
  }
  return args;
}
