// deploy/components/cchain-recovery and deploy/components/snapshot-create, rendered by the real
// `kubectl kustomize` and run with --check through the built executable under the env kubelet
// would give each container: the recovery flags reach the supervisor (and it refuses to start
// without the C-chain ID), the snapshot Job reads a read-only clone of a validator's volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BINARIES, ROOT, runBin } from '../helpers/run-bin.js';
import { render, get, podContainers, containerEnv, containerArgv } from './render.js';
import { schemaErrors } from './schema.js';
import type { Obj } from './render.js';

const C_ID = '2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM';
const VALUES = { fieldRef: { 'metadata.name': 'luxd-3', 'status.podIP': '10.1.2.3' }, secretKeyRef: {} };

/** Render a throwaway kustomization (paths relative to the repo root become relative to it). */
function renderText(lines: (rel: (p: string) => string) => string[]): Obj[] {
  const dir = mkdtempSync(join(tmpdir(), 'luxops-kustomize-'));
  try {
    writeFileSync(join(dir, 'kustomization.yaml'), lines((p) => relative(dir, join(ROOT, p))).join('\n') + '\n');
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withRecovery(cchainId: string | undefined): Obj[] {
  return renderText((rel) => [
    'namespace: lux-mainnet',
    'resources:', `  - ${rel('deploy/overlays/mainnet')}`,
    'components:', `  - ${rel('deploy/components/cchain-recovery')}`,
    ...(cchainId ? ['configMapGenerator:', '  - name: luxd-network', '    behavior: merge', '    literals:', `      - LUXOPS_STARTUP_CCHAIN_ID=${cchainId}`] : []),
  ]);
}

function withCheck(argv: readonly string[]): string[] {
  const dash = argv.indexOf('--');
  return dash === -1 ? [...argv, '--check'] : [...argv.slice(0, dash), '--check', ...argv.slice(dash)];
}

const skip = BINARIES.sea && (await import('node:fs')).existsSync(BINARIES.sea) ? false : 'dist/luxops not built';

test('cchain-recovery component: the supervisor gets reimport, 2 per 24h, its data dir and C-chain dir', { skip }, async () => {
  const objs = withRecovery(C_ID);
  const luxd = podContainers(get(objs, 'StatefulSet', 'luxd')).find((c) => c.name === 'luxd')!;
  const env = containerEnv(luxd, objs, VALUES);
  assert.equal(env.LUXOPS_STARTUP_CCHAIN_RECOVERY, 'reimport');
  const argv = containerArgv(luxd, env);
  const r = await runBin(BINARIES.sea, withCheck(argv.slice(1)), { env, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const shown = JSON.parse(r.stdout);
  assert.deepEqual(shown.cchainRecovery, { mode: 'reimport', max: 2, windowMs: 86_400_000, chainDir: `/data/chainData/network-1/${C_ID}`, marker: '/data/.bootstrap-mainnet-import.done' });
  assert.equal(shown.config.cchainProbeInterval, '60s');
});

test('cchain-recovery component without the overlay\'s C-chain ID: the supervisor exits 2 naming it', { skip }, async () => {
  const objs = withRecovery(undefined);
  const luxd = podContainers(get(objs, 'StatefulSet', 'luxd')).find((c) => c.name === 'luxd')!;
  const env = containerEnv(luxd, objs, VALUES);
  const r = await runBin(BINARIES.sea, withCheck(containerArgv(luxd, env).slice(1)), { env, timeoutMs: 30_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--cchain-recovery reimport needs --cchain-id/);
});

test('snapshot-create example: VolumeSnapshot of a validator PVC, a clone, a Job reading it read-only; its flags pass --check', { skip }, async () => {
  const objs = render(join(ROOT, 'deploy/overlays/examples/snapshot-create-mainnet'));
  for (const o of objs) assert.equal(o.metadata.namespace, 'lux-mainnet', `${o.kind}/${o.metadata.name}`);
  const snap = get(objs, 'VolumeSnapshot', 'luxd-snapshot');
  assert.match(snap.spec.source.persistentVolumeClaimName, /^data-luxd-\d$/, 'a volume of the StatefulSet\'s claim template "data"');
  const pvc = get(objs, 'PersistentVolumeClaim', 'luxd-snapshot-source');
  assert.deepEqual(pvc.spec.dataSource, { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'luxd-snapshot' });
  const job = get(objs, 'Job', 'luxd-snapshot-create');
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  assert.equal(pod.serviceAccountName, 'luxd-snapshot');
  get(objs, 'ServiceAccount', 'luxd-snapshot');
  assert.deepEqual(pod.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'luxd-snapshot-source', readOnly: true } }]);
  const [c] = podContainers(job);
  assert.match(c!.image, /^ghcr\.io\/luxfi\/luxops:0\.1\.0@sha256:[0-9a-f]{64}$/, 'pinned by digest');
  // the built-in kinds against the pinned Kubernetes schema (VolumeSnapshot is a CRD: checked above)
  for (const o of objs.filter((x) => x.kind !== 'VolumeSnapshot')) assert.deepEqual(await schemaErrors(o), [], `${o.kind}/${o.metadata.name}`);
  const env = containerEnv(c!, objs, VALUES);
  assert.ok(c!.volumeMounts.some((m: { name: string; mountPath: string; readOnly?: boolean }) => m.name === 'data' && m.mountPath === env.LUXOPS_SNAPSHOT_CREATE_DATA_DIR && m.readOnly === true));
  assert.equal(c!.securityContext.readOnlyRootFilesystem, true);
  const argv = containerArgv(c!, env);
  assert.deepEqual(argv, ['/usr/local/bin/luxops', 'snapshot-create']);
  const r = await runBin(BINARIES.sea, withCheck(argv.slice(1)), { env, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const shown = JSON.parse(r.stdout);
  assert.equal(shown.format, 'tar.zst');
  assert.deepEqual(shown.config.include, [`chainData/network-1/${C_ID}`]);
  assert.equal(shown.checksumTo, `${env.LUXOPS_SNAPSHOT_CREATE_TO}.sha256`);
});
