// Every composition deploy/ supports, rendered once: each network overlay as shipped, each overlay
// with each opt-in component, each overlay with all of them at once, and the example tenant. The
// schema and policy tests iterate over this list, so a new component or overlay is covered by
// adding one line here.
import { join } from 'node:path';
import { NETWORKS, render, renderOverlay, renderWith } from './render.js';
import type { Network, Obj } from './render.js';
import { ROOT } from '../helpers/run-bin.js';

/** Opt-in components and the ConfigMaps an overlay must generate for them. */
export const OPT_IN: Record<string, Record<string, Record<string, string>>> = {
  'deploy/components/restore-snapshot': { 'luxops-snapshot': { LUXOPS_RESTORE_SNAPSHOT_URL: 'https://snapshots.example/lux-data.tar.gz', LUXOPS_RESTORE_SNAPSHOT_SHA256: 'ab'.repeat(32), LUXOPS_RESTORE_SNAPSHOT_DATA_DIR: '/data' } },
  'deploy/components/priority-class': {},
  'deploy/components/rpc-access': {},
  'deploy/components/monitoring': {},
  'deploy/components/monitoring-luxd': {},
  'deploy/components/attach-sidecar': {},
  'deploy/components/cchain-recovery': {},
};
/** Listed after any component that adds containers (see its kustomization). */
const PINNED = 'deploy/components/pinned-images';

export interface Composition {
  readonly label: string;
  readonly network: Network;
  readonly namespace: string;
  readonly components: readonly string[];
  readonly objs: Obj[];
}

function withComponents(net: Network, components: string[]): Composition {
  const maps = Object.assign({}, ...components.map((c) => OPT_IN[c]));
  const short = components.map((c) => c.split('/').pop()).join('+');
  return { label: `${net}+${short}`, network: net, namespace: `lux-${net}`, components, objs: renderWith(net, [...components, PINNED], maps) };
}

let cached: Composition[] | undefined;

/** All compositions (rendered on first use, then shared by the tests of one file). */
export function compositions(): Composition[] {
  if (cached) return cached;
  const out: Composition[] = [];
  for (const net of Object.keys(NETWORKS) as Network[]) {
    out.push({ label: net, network: net, namespace: `lux-${net}`, components: [], objs: renderOverlay(net) });
    for (const c of Object.keys(OPT_IN)) out.push(withComponents(net, [c]));
    out.push(withComponents(net, Object.keys(OPT_IN)));
  }
  out.push({ label: 'tenant acme-devnet', network: 'devnet', namespace: 'lux-acme-devnet', components: [], objs: render(join(ROOT, 'deploy/tenants/acme-devnet')) });
  cached = out;
  return out;
}

/** Workloads (objects with a pod template). */
export function workloads(objs: Obj[]): Obj[] {
  return objs.filter((o) => o.spec?.template?.spec);
}
