// The composition of deploy/: each overlay rendered by the real `kubectl kustomize`, parsed, and
// checked against issue 7 (ports and ids per network, probes, OnDelete, shareProcessNamespace, the
// init chain, no literal secrets, faucet only where it belongs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NETWORKS, renderOverlay, renderWith, get, find, configMapData, podContainers, containerEnv, containerArgv, resolvePort } from './render.js';
import type { Network, Obj, Container } from './render.js';

const LUXOPS_BINARIES = new Set(['/usr/local/bin/luxops', '/opt/luxops/luxops']);
const TEST_VALUES = { fieldRef: { 'metadata.name': 'luxd-3', 'status.podIP': '10.1.2.3' }, secretKeyRef: { 'luxops-faucet/private-key': '0x' + '11'.repeat(32) } };
const HEX_KEY = /(^|[^0-9a-fA-F])(0x)?[0-9a-fA-F]{64}([^0-9a-fA-F]|$)/;

function container(w: Obj, name: string): Container {
  const c = podContainers(w).find((x) => x.name === name);
  assert.ok(c, `${w.kind}/${w.metadata.name} has no container ${name}`);
  return c;
}

for (const net of Object.keys(NETWORKS) as Network[]) {
  const want = NETWORKS[net];
  const objs = renderOverlay(net);
  const sts = get(objs, 'StatefulSet', 'luxd');
  const pod = sts.spec.template.spec;
  const luxd = container(sts, 'luxd');
  const luxdEnv = containerEnv(luxd, objs, TEST_VALUES);
  const luxdArgv = containerArgv(luxd, luxdEnv);
  const node = () => luxdArgv.slice(luxdArgv.indexOf('--') + 2);

  test(`${net}: everything in namespace lux-${net}, labelled, the Namespace included`, () => {
    assert.ok(find(objs, 'Namespace', `lux-${net}`));
    for (const o of objs.filter((x) => x.kind !== 'Namespace')) {
      assert.equal(o.metadata.namespace, `lux-${net}`, `${o.kind}/${o.metadata.name}`);
      assert.equal(o.metadata.labels?.['lux-network'], net, `${o.kind}/${o.metadata.name}`);
    }
  });

  test(`${net}: StatefulSet of 5, OnDelete, per-pod data PVC, shared process namespace, headless Service`, () => {
    assert.equal(sts.spec.replicas, 5);
    assert.equal(sts.spec.updateStrategy.type, 'OnDelete');
    assert.equal(pod.shareProcessNamespace, true);
    assert.deepEqual(sts.spec.volumeClaimTemplates.map((v: Obj) => v.metadata.name), ['data']);
    assert.ok(luxd.volumeMounts.some((m: any) => m.name === 'data' && m.mountPath === '/data'));
    const svc = get(objs, 'Service', sts.spec.serviceName);
    assert.equal(svc.spec.clusterIP, 'None');
    assert.equal(svc.spec.publishNotReadyAddresses, true);
    assert.deepEqual(svc.spec.selector, sts.spec.selector.matchLabels);
    const svcPort = (n: string) => svc.spec.ports.find((p: any) => p.name === n)?.port;
    assert.deepEqual([svcPort('http'), svcPort('staking'), svcPort('status')], [want.http, want.staking, 9639]);
    // the supervisor must escalate (--grace-period) before kubelet's own SIGKILL
    const grace = luxdArgv.find((a) => a.startsWith('--grace-period='));
    assert.ok(grace && Number.parseInt(grace.split('=')[1]!, 10) < pod.terminationGracePeriodSeconds, `${grace} vs ${pod.terminationGracePeriodSeconds}s`);
  });

  test(`${net}: init chain install -> key-downloader -> signer-downloader, keys by {ordinal} of HOSTNAME`, () => {
    assert.deepEqual(pod.initContainers.map((c: Container) => c.name), ['install', 'key-downloader', 'signer-downloader']);
    const install = container(sts, 'install');
    assert.deepEqual(install.command, ['/usr/local/bin/luxops', 'install', '/opt/luxops']);
    assert.ok(install.volumeMounts.some((m: any) => m.name === 'luxops' && m.mountPath === '/opt/luxops'));
    assert.ok(luxd.volumeMounts.some((m: any) => m.name === 'luxops' && m.mountPath === '/opt/luxops' && m.readOnly === true));
    assert.ok(pod.volumes.find((v: any) => v.name === 'luxops').emptyDir);
    for (const name of ['key-downloader', 'signer-downloader']) {
      const c = container(sts, name);
      assert.equal(c.command![1], name);
      const host = c.env!.find((e: any) => e.name === 'HOSTNAME');
      assert.equal(host?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', `${name}: HOSTNAME from the downward API`);
      const keyArgs = c.command!.filter((a) => /^--s3-key/.test(a));
      assert.ok(keyArgs.length > 0 && keyArgs.every((a) => a.includes('{ordinal}')), `${name}: ${keyArgs.join(' ')}`);
      const env = containerEnv(c, objs, TEST_VALUES);
      assert.equal(env.LUXOPS_S3_BUCKET, `lux-${net}-staking`);
      assert.ok(env.LUXOPS_KMS_KEY_ID, `${name}: KMS key id`);
      // identities go to the memory-backed emptyDir the luxd container reads
      assert.ok(c.volumeMounts.some((m: any) => m.name === 'staking' && m.mountPath === '/staking'));
    }
    assert.equal(pod.volumes.find((v: any) => v.name === 'staking').emptyDir.medium, 'Memory');
  });

  test(`${net}: luxd runs under luxops startup with ports and ids of the network`, () => {
    const dash = luxdArgv.indexOf('--');
    assert.deepEqual(luxdArgv.slice(0, 2), ['/opt/luxops/luxops', 'startup']);
    assert.ok(dash > 2, 'startup flags, then --');
    assert.equal(luxdArgv[dash + 1], '/luxd/build/luxd');
    const sup = luxdArgv.slice(2, dash);
    const node = luxdArgv.slice(dash + 2);
    assert.ok(sup.includes('--status-listen=0.0.0.0:9639'));
    assert.ok(node.includes(`--network-id=${want.networkId}`), node.join(' '));
    assert.ok(node.includes(`--http-port=${want.http}`));
    assert.ok(node.includes(`--staking-port=${want.staking}`));
    assert.ok(node.includes('--http-host=0.0.0.0'));
    assert.ok(node.includes('--api-admin-enabled=true'), 'aliases and the import need the admin API');
    assert.ok(node.includes('--public-ip=10.1.2.3'));
    // every $(VAR) resolved: a typo would reach luxd as a literal
    assert.deepEqual(luxdArgv.filter((a) => a.includes('$(')), []);
    const ids = node.find((a) => a.startsWith('--bootstrap-ids='))!.split('=')[1]!.split(',');
    const ips = node.find((a) => a.startsWith('--bootstrap-ips='))!.split('=')[1]!.split(',');
    assert.equal(ids.length, 5);
    assert.deepEqual(ips, [0, 1, 2, 3, 4].map((i) => `luxd-${i}.luxd-headless.lux-${net}.svc.cluster.local:${want.staking}`));
    // the supervisor talks to this network's port, for itself and for the in-process import
    assert.equal(luxdEnv.LUXOPS_API_URL, `http://127.0.0.1:${want.http}`);
    assert.equal(luxdEnv.LUXOPS_NETWORK_ID, String(want.networkId));
    const aliases = luxdEnv.LUXOPS_ALIAS!.split(',');
    assert.deepEqual(aliases.map((a) => a.split('=')[0]), ['zoo', 'hanzo', 'spc', 'pars']);
    const port = (n: string) => luxd.ports!.find((p: any) => p.name === n)?.containerPort;
    assert.deepEqual([port('http'), port('staking'), port('status')], [want.http, want.staking, 9639]);
  });

  test(`${net}: luxd's Host allowlist is explicit (never *) and admits every name the faucet uses`, () => {
    const hosts = node().find((a) => a.startsWith('--http-allowed-hosts='))!.split('=')[1]!.split(',');
    assert.ok(!hosts.includes('*') && hosts.includes('localhost'), hosts.join(','));
    assert.ok(hosts.includes(`luxd-0.luxd-headless.lux-${net}.svc.cluster.local`));
    const dep = find(objs, 'Deployment', 'faucet');
    if (dep) {
      const rpcs = containerEnv(container(dep, 'faucet'), objs, TEST_VALUES).LUXOPS_RPC_URL!.split(',');
      for (const u of rpcs) assert.ok(hosts.includes(new URL(u).hostname), `${u} would get 403 invalid host`);
    }
  });

  test(`${net}: RLP import flags come from a ConfigMap as LUXOPS_RLP_* env`, () => {
    const rlpMap = luxd.envFrom!.map((s: any) => s.configMapRef?.name).filter(Boolean).map((n: string) => configMapData(objs, n)).find((d) => Object.keys(d).some((k) => k.startsWith('LUXOPS_RLP_')));
    assert.ok(rlpMap, 'luxd envFrom has a ConfigMap with LUXOPS_RLP_* keys');
    assert.ok(Object.keys(rlpMap).every((k) => k.startsWith('LUXOPS_RLP_')), Object.keys(rlpMap).join(' '));
    if (net === 'devnet') {
      assert.equal(rlpMap.LUXOPS_RLP_BASE_URL, undefined, 'devnet imports nothing');
    } else {
      assert.match(rlpMap.LUXOPS_RLP_BASE_URL!, /^https:\/\//);
      assert.equal(rlpMap.LUXOPS_RLP_FILE, `lux-${net}-${want.cchainId}.rlp`);
      assert.equal(rlpMap.LUXOPS_RLP_API_URL, `http://127.0.0.1:${want.http}`);
      // a mutable source must be pinned by a checksum, never imported unverified
      assert.ok(rlpMap.LUXOPS_RLP_SHA256 || rlpMap.LUXOPS_RLP_CHECKSUMS_URL, 'LUXOPS_RLP_SHA256 or LUXOPS_RLP_CHECKSUMS_URL');
      assert.equal(rlpMap.LUXOPS_RLP_ALLOW_UNVERIFIED, undefined);
    }
  });

  test(`${net}: probes: startup and liveness /livez, readiness /readyz, all on the supervisor's 9639`, () => {
    // /livez is up from the spawn: the supervisor, not kubelet, decides how long bootstrapping may take
    assert.equal(luxd.startupProbe.httpGet.path, '/livez');
    assert.equal(resolvePort(luxd, luxd.startupProbe.httpGet.port), 9639);
    assert.equal(luxd.readinessProbe.httpGet.path, '/readyz');
    assert.equal(resolvePort(luxd, luxd.readinessProbe.httpGet.port), 9639);
    assert.equal(luxd.livenessProbe.httpGet.path, '/livez');
    assert.equal(resolvePort(luxd, luxd.livenessProbe.httpGet.port), 9639);
  });

  test(`${net}: every container has requests and limits, runs non-root with a read-only root filesystem`, () => {
    for (const w of objs.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment')) {
      const ps = w.spec.template.spec.securityContext;
      assert.equal(ps.runAsNonRoot, true, `${w.metadata.name}: runAsNonRoot`);
      assert.ok(ps.runAsUser > 0);
      for (const c of podContainers(w)) {
        const where = `${w.metadata.name}/${c.name}`;
        for (const k of ['cpu', 'memory']) {
          assert.ok(c.resources?.requests?.[k], `${where}: requests.${k}`);
          assert.ok(c.resources?.limits?.[k], `${where}: limits.${k}`);
        }
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
        assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${where}: capabilities`);
      }
    }
  });

  test(`${net}: no literal secrets anywhere`, () => {
    for (const s of objs.filter((o) => o.kind === 'Secret')) {
      assert.equal(s.data, undefined, `Secret ${s.metadata.name} ships data`);
      assert.equal(s.stringData, undefined, `Secret ${s.metadata.name} ships stringData`);
    }
    for (const cm of objs.filter((o) => o.kind === 'ConfigMap')) {
      for (const [k, v] of Object.entries(cm.data ?? {})) {
        assert.doesNotMatch(String(v), HEX_KEY, `ConfigMap ${cm.metadata.name} ${k} looks like a private key`);
        assert.doesNotMatch(k, /FAUCET_KEY|SECRET_ACCESS|PRIVATE/, `ConfigMap ${cm.metadata.name} carries ${k}`);
      }
    }
    for (const w of objs.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment')) {
      for (const c of podContainers(w)) {
        for (const a of [...(c.command ?? []), ...(c.args ?? [])]) {
          assert.doesNotMatch(a, HEX_KEY, `${c.name}: argument looks like a key`);
          assert.doesNotMatch(a, /^--faucet-key/, `${c.name}: a key on the command line shows in ps`);
        }
        for (const e of c.env ?? []) {
          if (e.value !== undefined) assert.doesNotMatch(String(e.value), HEX_KEY, `${c.name}: env ${e.name}`);
          if (e.name === 'LUXOPS_FAUCET_KEY') assert.ok(e.valueFrom?.secretKeyRef, `${c.name}: LUXOPS_FAUCET_KEY only via secretKeyRef`);
        }
      }
    }
  });

  if (want.faucet) {
    test(`${net}: faucet Deployment + Service, key from the Secret, RPC to this network's luxd`, () => {
      const dep = get(objs, 'Deployment', 'faucet');
      assert.equal(dep.spec.replicas, 1, 'one sender per key');
      assert.equal(dep.spec.strategy.type, 'Recreate');
      const c = container(dep, 'faucet');
      assert.deepEqual(c.command!.slice(0, 2), ['/usr/local/bin/luxops', 'faucet']);
      const key = c.env!.find((e: any) => e.name === 'LUXOPS_FAUCET_KEY');
      assert.deepEqual(key.valueFrom.secretKeyRef, { name: 'luxops-faucet', key: 'private-key' });
      assert.equal(find(objs, 'Secret', 'luxops-faucet'), undefined, 'the Secret is created out of band');
      const env = containerEnv(c, objs, TEST_VALUES);
      assert.equal(env.LUXOPS_CHAIN_ID, String(want.cchainId));
      const rpcs = env.LUXOPS_RPC_URL!.split(',');
      assert.deepEqual(rpcs, [0, 1, 2, 3, 4].map((i) => `http://luxd-${i}.luxd-headless:${want.http}/ext/bc/C/rpc`));
      const svc = get(objs, 'Service', 'faucet');
      assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
      assert.equal(resolvePort(c, svc.spec.ports[0].targetPort), 8080);
      assert.equal(resolvePort(c, c.readinessProbe.httpGet.port), 8080);
    });
  } else {
    test(`${net}: no faucet at all`, () => {
      assert.deepEqual(objs.filter((o) => /faucet/.test(o.metadata.name)).map((o) => `${o.kind}/${o.metadata.name}`), []);
      for (const w of objs.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment')) {
        for (const c of podContainers(w)) assert.notEqual(c.command?.[1], 'faucet');
      }
    });
  }

  test(`${net}: every luxops container runs a luxops path the images provide`, () => {
    for (const w of objs.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment')) {
      for (const c of podContainers(w)) {
        const exe = c.command?.[0] ?? '';
        if (c.image.includes('/luxops:')) assert.equal(exe, '/usr/local/bin/luxops', `${c.name} (luxops image)`);
        else assert.ok(LUXOPS_BINARIES.has(exe), `${c.name}: ${exe}`);
      }
    }
  });
}

test('restore-snapshot component: appended last to the init chain, reads its ConfigMap, writes /data', () => {
  const objs = renderWith('devnet', ['deploy/components/restore-snapshot'], { 'luxops-snapshot': { LUXOPS_URL: 'https://snapshots.example/lux-devnet.tar.gz', LUXOPS_DATA_DIR: '/data' } });
  const sts = get(objs, 'StatefulSet', 'luxd');
  assert.deepEqual(sts.spec.template.spec.initContainers.map((c: Container) => c.name), ['install', 'key-downloader', 'signer-downloader', 'restore-snapshot']);
  const c = container(sts, 'restore-snapshot');
  assert.deepEqual(c.command, ['/usr/local/bin/luxops', 'restore-snapshot']);
  assert.equal(containerEnv(c, objs, TEST_VALUES).LUXOPS_URL, 'https://snapshots.example/lux-devnet.tar.gz');
  assert.ok(c.volumeMounts.some((m: any) => m.name === 'data' && m.mountPath === '/data'));
});
