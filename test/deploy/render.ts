// Render deploy/ overlays with the real `kubectl kustomize` (offline) and read the result the way
// kubelet would: env from env/envFrom (ConfigMaps resolved from the same render), $(VAR) expansion
// in command/args, named ports. Shared by the composition and the --check tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/run-bin.js';

// Loose shapes: only the fields the tests read.
export interface Obj { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: any }
export interface Container { name: string; image: string; command?: string[]; args?: string[]; env?: any[]; envFrom?: any[]; ports?: any[]; [k: string]: any }

export const NETWORKS = {
  mainnet: { networkId: 1, http: 9630, staking: 9631, cchainId: 96369, faucet: false },
  testnet: { networkId: 2, http: 9640, staking: 9641, cchainId: 96368, faucet: true },
  devnet: { networkId: 3, http: 9650, staking: 9651, cchainId: 96370, faucet: true },
} as const;
export type Network = keyof typeof NETWORKS;

/** `kubectl kustomize DIR` parsed into plain objects; throws with kubectl's stderr on failure. */
export function render(dir: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  return parseAllDocuments(r.stdout).map((d) => {
    if (d.errors.length > 0) throw new Error(`YAML error in rendered ${dir}: ${d.errors[0]!.message}`);
    return d.toJS() as Obj;
  });
}

export function renderOverlay(net: Network): Obj[] {
  return render(join(ROOT, 'deploy', 'overlays', net));
}

/**
 * Render an overlay plus extra components and generated ConfigMaps, through a throwaway
 * kustomization in a temp dir (kustomize only takes relative paths).
 */
/** The overlay plus `components`; `configMaps` are new generators, `merge` merges into the overlay's own (as an overlay's `behavior: merge`). */
export function renderWith(net: Network, components: string[], configMaps: Record<string, Record<string, string>>, merge: Record<string, Record<string, string>> = {}): Obj[] {
  const dir = mkdtempSync(join(tmpdir(), 'luxops-kustomize-'));
  try {
    const rel = (p: string) => relative(dir, join(ROOT, p));
    const gen = (name: string, data: Record<string, string>, merging: boolean) =>
      [`  - name: ${name}`, ...(merging ? ['    behavior: merge'] : []), '    literals:', ...Object.entries(data).map(([k, v]) => `      - ${JSON.stringify(`${k}=${v}`)}`)].join('\n');
    const gens = [...Object.entries(configMaps).map(([n, d]) => gen(n, d, false)), ...Object.entries(merge).map(([n, d]) => gen(n, d, true))];
    writeFileSync(join(dir, 'kustomization.yaml'), [
      // the overlay's namespace, so generated names are rewritten in the overlay's objects too
      `namespace: lux-${net}`,
      'resources:', `  - ${rel(`deploy/overlays/${net}`)}`,
      'components:', ...components.map((c) => `  - ${rel(c)}`),
      ...(gens.length ? ['configMapGenerator:', ...gens] : []),
      '',
    ].join('\n'));
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function find(objs: Obj[], kind: string, name: string): Obj | undefined {
  return objs.find((o) => o.kind === kind && o.metadata.name === name);
}

export function get(objs: Obj[], kind: string, name: string): Obj {
  const o = find(objs, kind, name);
  if (!o) throw new Error(`no ${kind} ${name} in the render (have: ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')})`);
  return o;
}

/** A ConfigMap by the name a pod spec uses (generated names carry a hash suffix, already rewritten). */
export function configMapData(objs: Obj[], name: string): Record<string, string> {
  return (get(objs, 'ConfigMap', name).data ?? {}) as Record<string, string>;
}

/** Every container of a workload's pod template, init containers first, in kubelet's order. */
export function podContainers(workload: Obj): Container[] {
  const spec = workload.spec.template.spec;
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

export interface SubstituteValues {
  /** valueFrom.fieldRef.fieldPath -> value (e.g. metadata.name -> luxd-3) */
  fieldRef: Record<string, string>;
  /** `<secret>/<key>` -> value for valueFrom.secretKeyRef */
  secretKeyRef: Record<string, string>;
}

/**
 * The environment kubelet gives a container: envFrom entries in order (ConfigMaps from the render;
 * Secrets are not shipped, so an optional secretRef contributes nothing), then env, whose values may
 * use $(VAR) of earlier ones. A required secretRef or an unknown reference throws.
 */
export function containerEnv(c: Container, objs: Obj[], values: SubstituteValues): Record<string, string> {
  const env: Record<string, string> = {};
  for (const src of c.envFrom ?? []) {
    if (src.configMapRef) Object.assign(env, configMapData(objs, src.configMapRef.name));
    else if (src.secretRef && !src.secretRef.optional) throw new Error(`${c.name}: required secretRef ${src.secretRef.name} has no test value`);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = expand(String(e.value), env);
    else if (e.valueFrom?.fieldRef) {
      const v = values.fieldRef[e.valueFrom.fieldRef.fieldPath];
      if (v === undefined) throw new Error(`${c.name}: no test value for fieldRef ${e.valueFrom.fieldRef.fieldPath}`);
      env[e.name] = v;
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
      const v = values.secretKeyRef[ref];
      if (v === undefined) throw new Error(`${c.name}: no test value for secretKeyRef ${ref}`);
      env[e.name] = v;
    } else if (e.valueFrom?.configMapKeyRef) {
      env[e.name] = configMapData(objs, e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key] ?? '';
    } else throw new Error(`${c.name}: env ${e.name} has a source the test does not know`);
  }
  return env;
}

/** kubelet's $(VAR) expansion: defined names are replaced, $$ escapes, anything else stays literal. */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(env, name) ? env[name]! : m;
  });
}

/** The argv kubelet execs: command + args, each expanded against the container env. */
export function containerArgv(c: Container, env: Record<string, string>): string[] {
  return [...(c.command ?? []), ...(c.args ?? [])].map((a) => expand(a, env));
}

/** The containerPort a probe's port (number or name) refers to. */
export function resolvePort(c: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return (c.ports ?? []).find((p: any) => p.name === port)?.containerPort;
}
