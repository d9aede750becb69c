// `--public-ip-from`: where luxd's --public-ip comes from, as the chart resolved it, tried in order:
//   static:IP;IP;...   entry i is pod i's address (the chart's bootstrap.externalIPs); an empty entry
//                      means "none for this pod", so the next source is tried
//   service:NAME       the LoadBalancer ingress of Service NAME ({ordinal}, {hostname}), read from the
//                      Kubernetes API with the pod's service-account token (the chart's luxd-<i>)
//   pod                the pod IP ($POD_IP from the downward API, else this host's first address)
// Sources are comma-separated; the static list uses ';' so a list can sit inside one env value.
import { isIP } from 'node:net';
import { UsageError } from '../core/errors.js';
import { expandKeyTemplate } from '../core/key-template.js';
import { ownOrdinal } from './bootstrap-nodes.js';

export type PublicIpSource =
  | { readonly kind: 'static'; readonly ips: readonly string[] }
  | { readonly kind: 'service'; readonly template: string }
  | { readonly kind: 'pod' };

/** A source with its templates applied for this pod. */
export type ResolvedSource =
  | { readonly kind: 'static'; readonly ip: string | undefined; readonly ordinal: number }
  | { readonly kind: 'service'; readonly name: string }
  | { readonly kind: 'pod' };

const FLAG = 'public-ip-from';
// a Service name is a DNS-1035 label; checking it also keeps the API path free of '/', '..', '?'
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

function bad(part: string, why: string): UsageError {
  return new UsageError(`invalid value for --${FLAG}: ${JSON.stringify(part)} ${why}, expected a comma-separated list of static:IP;IP;..., service:NAME, pod`, 'E_BAD_OPTION');
}

/** Parse the flag's value into its sources (no duplicates of a kind). */
export function parsePublicIpFrom(spec: string): PublicIpSource[] {
  const out: PublicIpSource[] = [];
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const colon = part.indexOf(':');
    const kind = colon < 0 ? part : part.slice(0, colon);
    const arg = colon < 0 ? undefined : part.slice(colon + 1).trim();
    let src: PublicIpSource;
    if (kind === 'pod') {
      if (arg !== undefined) throw bad(part, 'takes no argument');
      src = { kind: 'pod' };
    } else if (kind === 'static') {
      if (!arg) throw bad(part, 'has no addresses');
      const ips = arg.split(';').map((s) => s.trim());
      for (const ip of ips) if (ip !== '' && isIP(ip) === 0) throw bad(part, `lists ${JSON.stringify(ip)}, which is not an IP address`);
      src = { kind: 'static', ips };
    } else if (kind === 'service') {
      if (!arg) throw bad(part, 'has no Service name');
      src = { kind: 'service', template: arg };
    } else throw bad(part, 'is not a source');
    if (out.some((o) => o.kind === src.kind)) throw bad(part, `repeats the ${src.kind} source`);
    out.push(src);
  }
  if (out.length === 0) throw bad(spec, 'names no source');
  return out;
}

/** Apply the pod's ordinal/hostname to each source; usage errors for what cannot resolve here. */
export function resolveSources(sources: readonly PublicIpSource[], env: Readonly<Record<string, string | undefined>>): ResolvedSource[] {
  return sources.map((s): ResolvedSource => {
    if (s.kind === 'pod') return s;
    if (s.kind === 'static') {
      const ordinal = ownOrdinal(env, `${FLAG} static:`);
      const ip = s.ips[ordinal];
      return { kind: 'static', ip: ip === '' ? undefined : ip, ordinal };
    }
    const name = expandKeyTemplate(s.template, FLAG, env);
    if (!SERVICE_NAME.test(name)) throw bad(`service:${s.template}`, `names ${JSON.stringify(name)}, which is not a Service name (lowercase letters, digits, '-')`);
    return { kind: 'service', name };
  });
}

/** How a source reads in logs: `static[3]`, `service:luxd-3`, `pod`. */
export function sourceLabel(s: ResolvedSource): string {
  if (s.kind === 'static') return `static[${s.ordinal}]`;
  if (s.kind === 'service') return `service:${s.name}`;
  return 'pod';
}
