// Multi-tenant fleet: deploy/new-tenant.mjs generates lux-<tenant>-<network> overlays; the
// example tenant (deploy/tenants/acme-devnet) is exactly what the generator writes, and renders
// into its own namespace with its own node IDs, staking location, credentials Secret and genesis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runBin } from '../helpers/run-bin.js';
import { NETWORKS, render, get, podContainers, containerEnv, containerArgv, configMapData } from './render.js';

const GEN = join(ROOT, 'deploy/new-tenant.mjs');
const IDS = ['NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg', 'NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ', 'NodeID-NFBbbJ4qCmNaCzeW7sxErhvWqvEQMnYcN', 'NodeID-GWPcbFJZFfZreETSoWjPimr846mXEKCtu', 'NodeID-P7oB2McjBGgW2NXXWVYjV8JEDFoW9xDE5'];
const ARGS = ['--tenant', 'acme', '--network', 'devnet', '--node-ids', IDS.join(','), '--s3-bucket', 'acme-devnet-staking', '--kms-key-id', 'alias/acme-devnet-staking', '--genesis-configmap', 'luxd-genesis-acme', '--aws-secret', 'luxops-aws-acme'];
const TEST_VALUES = { fieldRef: { 'metadata.name': 'luxd-2', 'status.podIP': '10.1.2.3' }, secretKeyRef: { 'luxops-faucet/private-key': '0x' + '11'.repeat(32) } };

test('the example tenant overlay is what the generator writes (no hand edits drift from it)', async () => {
  const r = await runBin(process.execPath, [GEN, ...ARGS, '--stdout'], { env: { PATH: process.env.PATH ?? '' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(ROOT, 'deploy/tenants/acme-devnet/kustomization.yaml'), 'utf8'));
});

test('tenant acme-devnet renders into lux-acme-devnet with its own ids, staking location, Secret and genesis', () => {
  const objs = render(join(ROOT, 'deploy/tenants/acme-devnet'));
  const ns = 'lux-acme-devnet';
  assert.ok(objs.some((o) => o.kind === 'Namespace' && o.metadata.name === ns));
  for (const o of objs.filter((x) => !['Namespace', 'PriorityClass'].includes(x.kind))) {
    assert.equal(o.metadata.namespace, ns, `${o.kind}/${o.metadata.name}`);
    assert.equal(o.metadata.labels?.['lux-tenant'], 'acme', `${o.kind}/${o.metadata.name}`);
  }
  const sts = get(objs, 'StatefulSet', 'luxd');
  const luxd = podContainers(sts).find((c) => c.name === 'luxd')!;
  const argv = containerArgv(luxd, containerEnv(luxd, objs, TEST_VALUES));
  const flag = (f: string) => argv.find((a) => a.startsWith(`--${f}=`))!.split('=')[1]!;
  assert.deepEqual(flag('bootstrap-ids').split(','), IDS);
  assert.deepEqual(flag('bootstrap-ips').split(','), [0, 1, 2, 3, 4].map((i) => `luxd-${i}.luxd-headless.${ns}.svc.cluster.local:${NETWORKS.devnet.staking}`));
  assert.ok(flag('http-allowed-hosts').split(',').includes(`luxd-4.luxd-headless.${ns}.svc`));
  assert.ok(argv.includes(`--network-id=${NETWORKS.devnet.networkId}`), 'the network overlay still sets the network');
  for (const name of ['key-downloader', 'signer-downloader']) {
    const c = podContainers(sts).find((x) => x.name === name)!;
    const env = containerEnv(c, objs, TEST_VALUES);
    assert.equal(env.LUXOPS_S3_BUCKET, 'acme-devnet-staking');
    assert.equal(env.LUXOPS_KMS_KEY_ID, 'alias/acme-devnet-staking');
    assert.deepEqual(c.envFrom!.filter((e: any) => e.secretRef).map((e: any) => e.secretRef), [{ name: 'luxops-aws-acme', optional: true }]);
  }
  assert.equal(sts.spec.template.spec.volumes.find((v: any) => v.name === 'genesis').configMap.name, 'luxd-genesis-acme');
  // the rest comes from the network overlay unchanged: aliases, the faucet
  assert.equal(configMapData(objs, sts.spec.template.spec.containers[0].envFrom[0].configMapRef.name).LUXOPS_NETWORK_ID, '3');
  assert.ok(get(objs, 'Deployment', 'faucet'));
});

test('new-tenant refuses bad input with exit 2, naming the flag, and writes nothing', async () => {
  const cases: Array<[string[], RegExp]> = [
    [ARGS.map((a) => (a === 'acme' ? 'Acme_Corp' : a)), /invalid --tenant "Acme_Corp"/],
    [ARGS.map((a) => (a === 'devnet' ? 'moonnet' : a)), /invalid --network "moonnet"/],
    [ARGS.map((a) => (a === IDS.join(',') ? IDS.slice(0, 4).join(',') : a)), /invalid --node-ids: expected 5/],
    [ARGS.map((a) => (a === IDS.join(',') ? [...IDS.slice(0, 4), IDS[0]].join(',') : a)), /the same node ID twice/],
    [ARGS.slice(0, 4), /missing --node-ids/],
    [[...ARGS, '--frob'], /Unknown option '--frob'/],
  ];
  for (const [args, msg] of cases) {
    const r = await runBin(process.execPath, [GEN, ...args], { env: { PATH: process.env.PATH ?? '' } });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
  assert.equal(existsSync(join(ROOT, 'deploy/tenants/Acme_Corp-devnet')), false);
  assert.equal(existsSync(join(ROOT, 'deploy/tenants/acme-moonnet')), false);
});
