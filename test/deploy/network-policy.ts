// NetworkPolicy semantics (networking.k8s.io/v1, ingress), evaluated instead of grepped: may a
// connection from pod `from` reach TCP/UDP port `port` of pod `to`? As the API defines it:
//   - only policies in the target pod's namespace whose podSelector selects it, and whose
//     policyTypes include Ingress (absent policyTypes: Ingress), isolate it; an isolated pod accepts
//     exactly the union of what those policies' ingress rules allow, a pod no policy selects
//     accepts everything;
//   - a rule allows a peer when its `from` is empty/absent or any peer matches, and a port when its
//     `ports` is empty/absent or any entry matches (protocol defaults to TCP; a named port is looked
//     up in the target pod's containers, init containers included; endPort makes a range);
//   - a peer with only podSelector means pods in the policy's namespace, only namespaceSelector
//     means every pod in matching namespaces, both means matching pods in matching namespaces;
//     ipBlock peers match the source pod's IP by CIDR.
// Label selectors support matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist).
import type { Obj } from './render.js';

export interface PodRef {
  namespace: string;
  /** labels of the pod's namespace (kubernetes.io/metadata.name is added automatically) */
  namespaceLabels?: Record<string, string>;
  labels: Record<string, string>;
  /** container ports, for named ports: name -> number */
  ports?: Record<string, number>;
  ip?: string;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A label selector against labels; an empty selector ({}) selects everything. */
export function selects(sel: Selector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(val!)) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(val!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

function nsLabels(p: PodRef): Record<string, string> {
  return { ...p.namespaceLabels, 'kubernetes.io/metadata.name': p.namespace };
}

function ipv4(ip: string): number {
  return ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
}

function inCidr(ip: string | undefined, cidr: string): boolean {
  if (!ip || cidr.includes(':')) return false;
  const [net, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (ipv4(ip) & mask) === (ipv4(net!) & mask);
}

function peerMatches(peer: any, policyNs: string, from: PodRef): boolean {
  if (peer.ipBlock) return inCidr(from.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(from.ip, c));
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, nsLabels(from)) : from.namespace === policyNs;
  return nsOk && selects(peer.podSelector, from.labels);
}

function portMatches(entry: any, port: number, protocol: string, to: PodRef): boolean {
  if ((entry.protocol ?? 'TCP') !== protocol) return false;
  if (entry.port === undefined) return true;
  const start = typeof entry.port === 'number' ? entry.port : to.ports?.[entry.port];
  if (start === undefined) return false;
  return entry.endPort !== undefined && typeof entry.port === 'number' ? port >= start && port <= entry.endPort : port === start;
}

/** Whether `from` may open a connection to `port` of `to` under `policies` (all of the cluster's). */
export function ingressAllowed(policies: readonly Obj[], to: PodRef, from: PodRef, port: number, protocol = 'TCP'): boolean {
  const isolating = policies.filter((p) =>
    p.kind === 'NetworkPolicy'
    && (p.metadata.namespace ?? '') === to.namespace
    && selects(p.spec.podSelector, to.labels)
    && (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'));
  if (isolating.length === 0) return true;
  return isolating.some((p) => (p.spec.ingress ?? []).some((rule: any) =>
    ((rule.from ?? []).length === 0 || rule.from.some((peer: any) => peerMatches(peer, p.metadata.namespace!, from)))
    && ((rule.ports ?? []).length === 0 || rule.ports.some((e: any) => portMatches(e, port, protocol, to)))));
}

/** The PodRef of a workload's pod: template labels, namespace, every container's named ports. */
export function podOf(workload: Obj, namespaceLabels: Record<string, string> = {}): PodRef {
  const spec = workload.spec.template.spec;
  const ports: Record<string, number> = {};
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
  return { namespace: workload.metadata.namespace!, namespaceLabels, labels: { ...workload.spec.template.metadata.labels }, ports };
}
