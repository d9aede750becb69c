// Every composition (test/deploy/combinations.ts: each overlay, each overlay with each opt-in
// component and with all of them, the example tenant), rendered by the real kustomize and checked:
// the Kubernetes OpenAPI schema (pinned release, unknown fields included), pinned images, the
// container rules (resources, probes, non-root, read-only root filesystem), and what the
// NetworkPolicies allow, evaluated per the API's semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compositions, workloads } from './combinations.js';
import { schemaErrors, unknownFields, KUBERNETES_SCHEMA_VERSION } from './schema.js';
import { ingressAllowed, podOf } from './network-policy.js';
import type { PodRef } from './network-policy.js';
import { podContainers, resolvePort } from './render.js';
import type { Container, Obj } from './render.js';

const all = compositions();
const DIGEST_PINNED = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$/;

test(`every composition renders (${all.length}), and covers each opt-in component`, () => {
  assert.ok(all.length >= 20);
  for (const c of all) assert.ok(c.objs.length > 5, c.label);
});

for (const c of all) {
  test(`${c.label}: every object validates against the Kubernetes ${KUBERNETES_SCHEMA_VERSION} OpenAPI schema`, async () => {
    const errors: string[] = [];
    for (const o of c.objs) for (const e of await schemaErrors(o)) errors.push(`${o.kind}/${o.metadata.name}: ${e}`);
    assert.deepEqual(errors, []);
  });
}

test('no field unknown to the schema in any object of any composition (strict field validation)', () => {
  const seen = new Map<string, { label: string; obj: Obj }>();
  for (const c of all) for (const o of c.objs) seen.set(JSON.stringify(o), { label: `${c.label} ${o.kind}/${o.metadata.name}`, obj: o });
  // excess-property errors only: types and required fields are the ajv validation's job above
  assert.deepEqual(unknownFields([...seen.values()]).filter((m) => /known properties|does not exist in type/.test(m)), []);
});

/** Long-running containers: the pod's containers and native sidecars (restartPolicy: Always). */
function longRunning(w: Obj): Container[] {
  const spec = w.spec.template.spec;
  return [...(spec.initContainers ?? []).filter((x: Container) => x.restartPolicy === 'Always'), ...spec.containers];
}

for (const c of all) {
  test(`${c.label}: every image is pinned by digest; no latest, no tag-only image`, () => {
    for (const w of workloads(c.objs)) {
      for (const x of podContainers(w)) {
        assert.match(x.image, DIGEST_PINNED, `${w.metadata.name}/${x.name}: ${x.image}`);
        assert.doesNotMatch(x.image, /:latest(@|$)/, `${w.metadata.name}/${x.name}`);
      }
    }
  });

  test(`${c.label}: every container has requests and limits, runs non-root on a read-only root filesystem; long-running ones have probes`, () => {
    for (const w of workloads(c.objs)) {
      const pod = w.spec.template.spec;
      for (const x of podContainers(w)) {
        const where = `${w.metadata.name}/${x.name}`;
        for (const k of ['cpu', 'memory']) {
          assert.ok(x.resources?.requests?.[k], `${where}: requests.${k}`);
          assert.ok(x.resources?.limits?.[k], `${where}: limits.${k}`);
        }
        const nonRoot = x.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        const uid = x.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
        assert.equal(nonRoot, true, `${where}: runAsNonRoot`);
        assert.ok(typeof uid === 'number' && uid > 0, `${where}: runAsUser ${uid}`);
        assert.equal(x.securityContext?.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
        assert.equal(x.securityContext?.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
        assert.deepEqual(x.securityContext?.capabilities?.drop, ['ALL'], `${where}: capabilities.drop`);
      }
      assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${w.metadata.name}: seccomp`);
      for (const x of longRunning(w)) {
        const where = `${w.metadata.name}/${x.name}`;
        const sidecar = x.restartPolicy === 'Always';
        assert.ok(x.livenessProbe, `${where}: livenessProbe`);
        assert.ok(sidecar ? x.startupProbe : x.readinessProbe, `${where}: ${sidecar ? 'startupProbe' : 'readinessProbe'}`);
        for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          const p = x[kind];
          if (!p) continue;
          const port = p.httpGet?.port ?? p.tcpSocket?.port;
          // a named port must be one this container declares (kubelet resolves it there)
          assert.ok(typeof port === 'number' || resolvePort(x, port) !== undefined, `${where}: ${kind} port ${port}`);
        }
      }
    }
  });

  test(`${c.label}: no probe can kill luxd while the supervisor still waits for its health`, () => {
    const sts = c.objs.find((o) => o.kind === 'StatefulSet')!;
    const luxd = sts.spec.template.spec.containers.find((x: Container) => x.name === 'luxd');
    const supervised = luxd.command.includes('startup');
    const supervisor: Container = supervised ? luxd : sts.spec.template.spec.initContainers.find((x: Container) => x.command?.includes('--attach'));
    assert.ok(supervisor, 'a supervisor (entrypoint or --attach sidecar)');
    const listen = supervisor.command!.find((a) => a.startsWith('--status-listen='))!;
    const statusPort = Number(listen.split(':').pop());
    // the supervisor's own container: startup and liveness on /livez (up from the spawn), readiness /readyz
    for (const kind of ['startupProbe', 'livenessProbe']) {
      assert.equal(supervisor[kind]?.httpGet?.path, '/livez', `${supervisor.name}: ${kind}`);
      assert.equal(resolvePort(supervisor, supervisor[kind].httpGet.port), statusPort, `${supervisor.name}: ${kind} port`);
    }
    // readiness of the validator means /readyz of the supervisor in both modes
    assert.equal(luxd.readinessProbe.httpGet.path, '/readyz');
    const rp = luxd.readinessProbe.httpGet.port;
    assert.equal(typeof rp === 'number' ? rp : resolvePort(luxd, rp), statusPort);
  });

  test(`${c.label}: a PodDisruptionBudget keeps quorum through a drain; validators spread over nodes and zones`, () => {
    const sts = c.objs.find((o) => o.kind === 'StatefulSet')!;
    const labels = sts.spec.template.metadata.labels;
    const pdb = c.objs.find((o) => o.kind === 'PodDisruptionBudget' && Object.entries(o.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
    assert.ok(pdb, 'a PDB selects the validators');
    assert.equal(pdb.spec.maxUnavailable, 1);
    const luxd = sts.spec.template.spec.containers.find((x: Container) => x.name === 'luxd');
    const quorum = Number(luxd.args.find((a: string) => a.startsWith('--consensus-quorum-size=')).split('=')[1]);
    assert.ok(sts.spec.replicas - pdb.spec.maxUnavailable >= quorum, `${sts.spec.replicas} - ${pdb.spec.maxUnavailable} >= quorum ${quorum}`);
    const anti = sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    assert.ok(anti.some((t: any) => t.topologyKey === 'kubernetes.io/hostname' && Object.entries(t.labelSelector.matchLabels).every(([k, v]) => labels[k] === v)), 'one validator per node');
    assert.ok(sts.spec.template.spec.topologySpreadConstraints.some((t: any) => t.topologyKey === 'topology.kubernetes.io/zone' && t.maxSkew === 1));
  });

  test(`${c.label}: NetworkPolicy: luxd's HTTP (admin) port only for the faucet, staking for all, status for monitoring`, () => {
    const policies = c.objs.filter((o) => o.kind === 'NetworkPolicy');
    const sts = c.objs.find((o) => o.kind === 'StatefulSet')!;
    const validator = podOf(sts);
    const port = (n: string) => validator.ports![n]!;
    const has = (comp: string) => c.components.some((x) => x.endsWith(`/${comp}`));
    const pod = (namespace: string, labels: Record<string, string>, namespaceLabels: Record<string, string> = {}): PodRef => ({ namespace, labels, namespaceLabels });
    const intruder = pod('team-x', { 'app.kubernetes.io/name': 'faucet' }); // faucet's labels do not help from elsewhere
    const neighbour = pod(c.namespace, { app: 'debug-shell' });
    const faucet = pod(c.namespace, { 'app.kubernetes.io/name': 'faucet' });
    const prometheus = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
    const gateway = pod('rpc-gw', { app: 'gw' }, { 'lux.network/rpc-access': 'true' });
    const otherValidator = pod('lux-othernet', { 'app.kubernetes.io/name': 'luxd' });
    const allowed = (from: PodRef, p: number) => ingressAllowed(policies, validator, from, p);
    assert.ok(port('http') && port('staking') && port('status'));
    // the admin API lives on the HTTP port: no pod of another namespace reaches it by default
    assert.equal(allowed(intruder, port('http')), false, 'another namespace -> http (admin)');
    assert.equal(allowed(otherValidator, port('http')), false, 'another network -> http (admin)');
    assert.equal(allowed(neighbour, port('http')), false, 'a non-faucet pod of this namespace -> http');
    assert.equal(allowed(faucet, port('http')), true, 'faucet -> http');
    assert.equal(allowed(prometheus, port('http')), has('monitoring-luxd'), 'monitoring -> http only with monitoring-luxd');
    assert.equal(allowed(gateway, port('http')), has('rpc-access'), 'labelled namespace -> http only with rpc-access');
    assert.equal(allowed(intruder, port('staking')), true, 'p2p from anywhere');
    assert.equal(allowed(otherValidator, port('staking')), true);
    assert.equal(allowed(prometheus, port('status')), true, 'monitoring -> status');
    assert.equal(allowed(intruder, port('status')), false, 'another namespace -> status');
    assert.equal(allowed(intruder, 22), false, 'any other port');
    // every workload is isolated by some policy (default deny, not default allow)
    for (const w of workloads(c.objs)) assert.equal(ingressAllowed(policies, podOf(w), intruder, 65000), false, `${w.metadata.name} is not isolated`);
    const dep = c.objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'faucet');
    if (dep) {
      const f = podOf(dep);
      assert.equal(ingressAllowed(policies, f, intruder, f.ports!.http!), true, 'the faucet page is public');
    }
  });
}
