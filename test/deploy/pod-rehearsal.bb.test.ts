// Pod rehearsal: run a rendered validator pod's containers in kubelet's order, with the real built
// executable, against local stand-ins for everything outside the pod:
//   S3 -> s3rver, KMS -> test/fixtures/fake-kms.mjs, the RLP export host -> test/fixtures/fault-server.mjs,
//   the luxd binary -> test/fixtures/fake-luxd.mjs (speaks luxd's HTTP API),
//   the Kubernetes API server -> test/fixtures/fake-kube-api.mjs (TLS, openssl-made CA, the rendered Role's RBAC).
// The pod is mainnet's with components/public-ip-loadbalancer: its public IP comes from its own
// LoadBalancer Service through the API, and its bootstrap peers are the table without itself; and
// with components/cchain-recovery: after the first stop, kubelet restarts the luxd container, the
// C-chain state is unreadable (luxd v1.23's pathdb incident after a large import), and the
// supervisor recovers it by itself (stop, clear, restart, re-import) until the pod is ready again.
// Container paths are mapped into a temp "pod filesystem"; commands, args and env are exactly the
// rendered manifest's (kubelet's env + $(VAR) expansion), except the endpoints and ports a laptop needs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWith, get, podContainers, containerEnv, containerArgv } from './render.js';
import type { Container, Obj } from './render.js';
import { BINARIES, ROOT, runBin } from '../helpers/run-bin.js';
import { freePort } from '../helpers/free-port.js';
import { opensslPair, nodeIdViaOpenssl, BLS_SK, BLS_PK } from '../key-downloader/fixtures.js';
import { startS3, startFaultServer, tempDir } from '../rlp-import/helpers.js';
import { buildChain, splitBytes, sha256hex } from '../rlp-import/rlp-fixture.js';
// @ts-expect-error plain .mjs fixture without types
import { startFakeKms } from '../fixtures/fake-kms.mjs';
// @ts-expect-error plain .mjs fixture without types
import { makeKubeCa, startFakeKubeApi } from '../fixtures/fake-kube-api.mjs';

const FAKE_LUXD = join(ROOT, 'test/fixtures/fake-luxd.mjs');
const BLOCKS = 3000;

async function getStatus(url: string): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}

// mainnet's C-chain blockchain ID: what the overlay gives the recovery component (and the fake's C)
const C_ID = '2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM';

test('pod rehearsal (mainnet overlay + public-ip-loadbalancer + cchain-recovery): init containers, the supervised luxd, SIGTERM, a restart that finds the C-chain corrupt and recovers it', { timeout: 240_000 }, async (t) => {
  const { dir: pod, cleanup } = tempDir('luxops-pod-');
  after(cleanup);
  const objs: Obj[] = renderWith('mainnet', ['deploy/components/public-ip-loadbalancer', 'deploy/components/cchain-recovery'], {}, { 'luxd-network': { LUXOPS_STARTUP_CCHAIN_ID: C_ID } });
  const sts = get(objs, 'StatefulSet', 'luxd');
  const containers = podContainers(sts);
  assert.deepEqual(containers.map((c) => c.name), ['install', 'key-downloader', 'signer-downloader', 'luxd']);

  // --- what lives outside the pod --------------------------------------------------------------
  const keysEnv = (containers[1]!.envFrom ?? []).find((e: any) => e.configMapRef)?.configMapRef.name as string;
  const bucket = (get(objs, 'ConfigMap', keysEnv).data as Record<string, string>).LUXOPS_KEY_DOWNLOADER_S3_BUCKET!;
  const kmsKeyId = (get(objs, 'ConfigMap', keysEnv).data as Record<string, string>).LUXOPS_KEY_DOWNLOADER_KMS_KEY_ID!;
  const s3 = await startS3(bucket);
  after(() => s3.close());
  const kms = await startFakeKms({ keys: [{ id: 'mainnet-staking-key', alias: kmsKeyId }] });
  after(() => kms.close());

  const rlpEnv = containerEnv(containers[3]!, objs, { fieldRef: { 'status.podIP': '127.0.0.1', 'metadata.name': 'luxd-3' }, secretKeyRef: {} });
  const file = rlpEnv.LUXOPS_RLP_IMPORT_FILE!;
  const partNames = rlpEnv.LUXOPS_RLP_IMPORT_PARTS!.split(',');
  const chain = buildChain(0, BLOCKS + 1); // block 0 .. BLOCKS, split across every part the overlay lists
  const parts = splitBytes(chain, Math.ceil(chain.length / partNames.length));
  assert.equal(parts.length, partNames.length);
  const files: Record<string, Uint8Array> = {};
  for (const [i, p] of parts.entries()) {
    files[rlpEnv.LUXOPS_RLP_IMPORT_PART_NAME_TEMPLATE!.replace('{file}', file).replace('{part}', partNames[i]!)] = p.data;
  }
  // the overlay pins the export with a sha256sum list beside the parts (the import refuses unpinned
  // data): publish one for the test export, the way the README says to produce it
  const sumsUrl = rlpEnv.LUXOPS_RLP_IMPORT_CHECKSUMS_URL!;
  assert.ok(sumsUrl.startsWith(`${rlpEnv.LUXOPS_RLP_IMPORT_BASE_URL}/`), `checksums beside the parts: ${sumsUrl}`);
  files[sumsUrl.slice(rlpEnv.LUXOPS_RLP_IMPORT_BASE_URL!.length + 1)] = Buffer.from(
    [...parts.map((p, i) => `${sha256hex(p.data)}  ${rlpEnv.LUXOPS_RLP_IMPORT_PART_NAME_TEMPLATE!.replace('{file}', file).replace('{part}', partNames[i]!)}`), `${sha256hex(chain)}  ${file}`, ''].join('\n'),
  );
  const cdn = await startFaultServer({ files });
  after(() => cdn.close());
  // the API server: RBAC exactly as the rendered Role grants it; the pod's LoadBalancer gets its
  // address on the second read (one logged 5 s wait, as a fresh LB would)
  const role = get(objs, 'Role', 'luxd-public-ip');
  mkdirSync(join(pod, 'kube-ca'));
  const kubeCa = makeKubeCa(join(pod, 'kube-ca'));
  const kubeApi = await startFakeKubeApi({
    certPath: kubeCa.certPath, keyPath: kubeCa.keyPath, namespace: sts.metadata.namespace,
    allowed: role.rules[0].resourceNames, tokens: ['pod-bound-token'],
    services: { 'luxd-3': { ingressAfterPolls: 2, ip: '203.0.113.7' } },
  });
  after(() => kubeApi.close());

  // --- the validator identity, sealed with the operator tool into S3 ------------------------------
  const hostname = 'luxd-3';
  const ordinal = '3';
  const operator = join(pod, 'operator');
  mkdirSync(operator);
  const pair = opensslPair('ec');
  writeFileSync(join(operator, 'staker.key'), pair.key, { mode: 0o600 });
  writeFileSync(join(operator, 'staker.crt'), pair.cert);
  writeFileSync(join(operator, 'signer.key'), BLS_SK, { mode: 0o600 });
  const awsEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    // the stand-ins' endpoints, for each command that talks to S3 and KMS
    ...Object.fromEntries(['KEY_DOWNLOADER', 'SIGNER_DOWNLOADER', 'KEY_UPLOADER'].flatMap((c) => [[`LUXOPS_${c}_S3_ENDPOINT`, s3.endpoint], [`LUXOPS_${c}_KMS_ENDPOINT`, kms.url]])),
  };
  const objKey = (c: Container, flag: string) => (c.command ?? []).find((a) => a.startsWith(`--${flag}=`))!.split('=')[1]!.replace('{ordinal}', ordinal);
  // the operator seals with the bucket, key and tag the pod's downloaders read (key-uploader's own twins)
  const keysCm = Object.fromEntries(Object.entries(get(objs, 'ConfigMap', keysEnv).data as Record<string, string>).filter(([k]) => k.startsWith('LUXOPS_KEY_DOWNLOADER_')).map(([k, v]) => [k.replace('LUXOPS_KEY_DOWNLOADER_', 'LUXOPS_KEY_UPLOADER_'), v]));
  const up = await runBin(BINARIES.sea, [
    'key-uploader',
    `--tls-key-path=${join(operator, 'staker.key')}`, `--tls-cert-path=${join(operator, 'staker.crt')}`, `--signer-key-path=${join(operator, 'signer.key')}`,
    `--s3-key-tls-key=${objKey(containers[1]!, 's3-key-tls-key')}`, `--s3-key-tls-cert=${objKey(containers[1]!, 's3-key-tls-cert')}`,
    `--s3-key-signer=${objKey(containers[2]!, 's3-key')}`,
  ], { env: { ...awsEnv, ...keysCm } });
  assert.equal(up.code, 0, up.stderr);

  // --- the pod's filesystem and ports -----------------------------------------------------------
  const mounts: Record<string, string> = {
    '/usr/local/bin/luxops': BINARIES.sea, // the luxops image's executable
    '/luxd/build/luxd': FAKE_LUXD, // the luxd image's binary
    '/opt/luxops': join(pod, 'opt-luxops'),
    '/staking': join(pod, 'staking'),
    '/data': join(pod, 'data'),
    '/genesis': join(pod, 'genesis'),
    '/etc/luxd/chains': join(pod, 'chains'),
    '/tmp': join(pod, 'tmp'),
    // kubelet's projection of the kube-api-access volume: token, ca.crt, namespace
    '/var/run/secrets/kubernetes.io/serviceaccount': join(pod, 'kube-api-access'),
  };
  for (const [from, to] of Object.entries(mounts)) if (!from.includes('/luxops') && !from.includes('/build/')) mkdirSync(to, { recursive: true });
  mkdirSync(mounts['/opt/luxops']!, { recursive: true });
  const sa = mounts['/var/run/secrets/kubernetes.io/serviceaccount']!;
  writeFileSync(join(sa, 'token'), 'pod-bound-token');
  writeFileSync(join(sa, 'ca.crt'), readFileSync(kubeCa.caPath));
  writeFileSync(join(sa, 'namespace'), sts.metadata.namespace!);
  const httpPort = await freePort();
  const statusPort = await freePort();
  const declaredHttp = String(rlpEnv.LUXD_HTTP_PORT);
  // one pass over all mount points (the pod dir itself lives under /tmp, so no second pass may run)
  const mountRe = new RegExp(`(^|=|,)(${Object.keys(mounts).sort((a, b) => b.length - a.length).map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})(?=/|$|,)`, 'g');
  const mapValue = (v: string): string => {
    const out = v.replace(mountRe, (_m, pre: string, from: string) => `${pre}${mounts[from]}`);
    return out
      .replace(/^--status-listen=0\.0\.0\.0:9639$/, `--status-listen=127.0.0.1:${statusPort}`)
      .replace(new RegExp(`:${declaredHttp}\\b`, 'g'), `:${httpPort}`)
      .replace(new RegExp(`^(--http-port=)?${declaredHttp}$`), `$1${httpPort}`);
  };
  const recordPath = join(pod, 'fake-luxd-record.json');
  const aliasIds = rlpEnv.LUXOPS_STARTUP_ALIAS!.split(',').map((a) => a.split('=')[1]!);
  const kubelet = (c: Container) => {
    const env = containerEnv(c, objs, { fieldRef: { 'metadata.name': hostname, 'status.podIP': '127.0.0.1' }, secretKeyRef: {} });
    const mapped: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) mapped[k] = mapValue(v);
    const argv = containerArgv(c, env).map(mapValue);
    return { argv, env: { ...mapped, ...awsEnv } as Record<string, string> };
  };

  // --- init containers, in order, each must exit 0 -------------------------------------------------
  for (const c of containers.slice(0, 3)) {
    const { argv, env } = kubelet(c);
    const r = await runBin(argv[0]!, argv.slice(1), { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${c.name}: ${argv.join(' ')}\n${r.stderr}`);
  }
  // install: the executable and its command links
  assert.equal(statSync(join(mounts['/opt/luxops']!, 'luxops')).mode & 0o777, 0o755);
  assert.ok(existsSync(join(mounts['/opt/luxops']!, 'startup')));
  // key-downloader: modes, NodeID from an independent computation
  const staking = mounts['/staking']!;
  assert.equal(statSync(join(staking, 'staker.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(staking, 'staker.crt')).mode & 0o777, 0o644);
  assert.deepEqual(readFileSync(join(staking, 'staker.crt')), pair.cert);
  assert.equal(readFileSync(join(staking, 'node-id'), 'utf8').trim(), nodeIdViaOpenssl(pair.cert));
  // signer-downloader: key bytes and the published public key
  assert.equal(statSync(join(staking, 'signer.key')).mode & 0o777, 0o600);
  assert.deepEqual(readFileSync(join(staking, 'signer.key')), BLS_SK);
  assert.equal(JSON.parse(readFileSync(join(staking, 'signer.json'), 'utf8')).publicKey, BLS_PK);

  // --- the luxd container: luxops startup supervising the (fake) luxd ------------------------------
  const luxd = containers[3]!;
  const { argv, env } = kubelet(luxd);
  // the export host: the fault server serves every part at its root
  env.LUXOPS_RLP_IMPORT_BASE_URL = cdn.url;
  env.LUXOPS_RLP_IMPORT_CHECKSUMS_URL = `${cdn.url}${sumsUrl.slice(rlpEnv.LUXOPS_RLP_IMPORT_BASE_URL!.length)}`;
  env.FAKE_LUXD_RECORD = recordPath;
  env.FAKE_LUXD_HEALTHY_AFTER_MS = '400';
  env.FAKE_LUXD_CHAINS = aliasIds.join(',');
  env.FAKE_LUXD_IMPORT_RATE = '100000';
  // luxd's chain data survives the container restart (the /data volume), and a restart on data that
  // an import filled turns the C-chain state unreadable, as luxd v1.23's pathdb did
  env.FAKE_LUXD_PERSIST_CHAIN = 'true';
  env.FAKE_LUXD_CORRUPT = 'after-restart';
  // the component probes every 60 s; a laptop cannot wait that long
  assert.equal(env.LUXOPS_STARTUP_CCHAIN_PROBE_INTERVAL, '60s');
  assert.equal(env.LUXOPS_STARTUP_CCHAIN_RECOVERY, 'reimport');
  env.LUXOPS_STARTUP_CCHAIN_PROBE_INTERVAL = '300ms';
  // kubelet gives every container the API server's address; the mount's path is the laptop's
  env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
  env.KUBERNETES_SERVICE_PORT = String(kubeApi.port);
  env.LUXOPS_STARTUP_KUBE_SERVICE_ACCOUNT_DIR = sa;
  assert.equal(argv[0], join(mounts['/opt/luxops']!, 'luxops'));
  assert.ok(argv.includes(FAKE_LUXD), 'the supervised command is the (fake) luxd binary');
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // a failed test must not leave a (fake) luxd behind: it holds the supervisor's stderr pipe open.
    // Every one this pod started listens on its HTTP port (a recovery starts a second one).
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmd.includes(FAKE_LUXD) && cmd.includes(`--http-port=${httpPort}\0`)) process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone, or not ours to read */
      }
    }
  });

  // kubelet's view: the manifest's own probe paths, on the status port (the only one they use)
  const statusUrl = `http://127.0.0.1:${statusPort}`;
  const probePath = (kind: string): string => {
    const p = (luxd as any)[kind].httpGet;
    assert.equal(p.port, 'status', `${kind} probes the supervisor's status port`);
    return p.path;
  };
  // startup probe: answers as soon as luxd is spawned, long before luxd is healthy
  let started = 0;
  for (let i = 0; i < 100 && started !== 200 && child.exitCode === null; i++) {
    started = (await getStatus(`${statusUrl}${probePath('startupProbe')}`)).status;
    if (started !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(started, 200, `startup probe ${probePath('startupProbe')}\n${stderr.slice(-2000)}`);
  let ready = { status: 0, body: undefined as any };
  for (let i = 0; i < 240 && child.exitCode === null; i++) {
    ready = await getStatus(`${statusUrl}${probePath('readinessProbe')}`);
    if (ready.status === 200) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(ready.status, 200, `readyz never turned 200 (last ${JSON.stringify(ready.body)})\n${stderr.slice(-3000)}`);
  assert.equal((await getStatus(`${statusUrl}${probePath('livenessProbe')}`)).status, 200);
  // in-pod traffic is loopback, which NetworkPolicy never filters: the policy's HTTP rule can stay
  // closed to every other pod without breaking the supervisor or its import
  assert.equal(new URL(env.LUXOPS_STARTUP_API_URL!).hostname, '127.0.0.1');
  assert.equal(new URL(env.LUXOPS_RLP_IMPORT_API_URL!).hostname, '127.0.0.1');
  const status = (await getStatus(`${statusUrl}/status`)).body;
  assert.equal(status.phase, 'running');
  assert.ok(status.aliases.every((a: { state: string }) => a.state === 'done'), JSON.stringify(status.aliases));

  const record = JSON.parse(readFileSync(recordPath, 'utf8'));
  for (const entry of rlpEnv.LUXOPS_STARTUP_ALIAS!.split(',')) {
    const [alias, id] = entry.split('=');
    assert.equal(record.aliases[alias!], id, `alias ${alias} applied`);
  }
  assert.equal(record.imports.length, 1, 'one import');
  const markerDoc = JSON.parse(readFileSync(env.LUXOPS_RLP_IMPORT_MARKER!, 'utf8'));
  assert.equal(markerDoc.sha256, sha256hex(chain), 'the import was verified against the published list');
  assert.equal(record.imports[0].last, BLOCKS);
  assert.equal(record.height, BLOCKS);
  const marker = env.LUXOPS_RLP_IMPORT_MARKER ?? join(env.LUXOPS_RLP_IMPORT_DEST_DIR!, '.rlp-import.done');
  assert.ok(marker.startsWith(pod), `marker inside the pod filesystem: ${marker}`);
  assert.ok(existsSync(marker), 'import marker written');
  // the fake luxd got the manifest's luxd flags, mapped into the pod filesystem
  assert.ok(record.argv.includes(`--http-port=${httpPort}`));
  assert.ok(record.argv.includes(`--data-dir=${mounts['/data']}`));
  // the public IP: this pod's own LoadBalancer, read with the mounted token, after one logged wait
  assert.deepEqual(record.argv.filter((a: string) => a.startsWith('--public-ip')), ['--public-ip=203.0.113.7']);
  assert.deepEqual(kubeApi.requests.map((r: { path: string; token: string; status: number }) => [r.path, r.token, r.status]), [
    ['/api/v1/namespaces/lux-mainnet/services/luxd-3', 'pod-bound-token', 200],
    ['/api/v1/namespaces/lux-mainnet/services/luxd-3', 'pod-bound-token', 200],
  ]);
  assert.match(stderr, /public IP: service lux-mainnet\/luxd-3: no LoadBalancer ingress yet; attempt 1\/30, retrying in 5s/);
  // the bootstrap peers: the overlay's table without luxd-3's own entry
  const table = env.LUXOPS_STARTUP_BOOTSTRAP_NODES!.split(',');
  const others = table.filter((_e, i) => i !== 3);
  assert.deepEqual(record.argv.filter((a: string) => a.startsWith('--bootstrap-i')), [
    `--bootstrap-ips=${others.map((e) => e.split('@')[1]!.replace('{ordinal}', String(table.indexOf(e)))).join(',')}`,
    `--bootstrap-ids=${others.map((e) => e.split('@')[0]).join(',')}`,
  ]);
  // (--http-allowed-hosts names every pod, this one too: only the peer flags must leave it out)
  const peerFlags = record.argv.filter((a: string) => a.startsWith('--bootstrap-'));
  assert.ok(!peerFlags.some((a: string) => a.includes('luxd-3.luxd-headless') || a.includes(table[3]!.split('@')[0]!)), 'luxd-3 is not its own peer');

  // --- kubelet stops the pod: SIGTERM to the container's main process --------------------------------
  const graceS = Number(argv.find((a) => a.startsWith('--grace-period='))?.split('=')[1]?.replace(/s$/, '') ?? '30');
  const t0 = Date.now();
  child.kill('SIGTERM');
  const end = await exited;
  const tookMs = Date.now() - t0;
  assert.deepEqual(end, { code: 0, signal: null }, stderr.slice(-2000));
  assert.ok(tookMs < graceS * 1000, `stopped within the grace period (${tookMs} ms)`);
  const final = JSON.parse(readFileSync(recordPath, 'utf8'));
  assert.ok(final.signals.some((s: { signal: string }) => s.signal === 'SIGTERM'), 'luxd received the SIGTERM');

  // --- kubelet restarts the luxd container: same pod filesystem, same command and env ----------------
  const chainDir = join(mounts['/data']!, 'chainData', 'network-1', C_ID);
  assert.ok(existsSync(join(chainDir, 'fake-chain.json')), 'the first run left chain data behind');
  const again = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr2 = '';
  again.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr2 += d));
  again.stdout!.resume();
  const exited2 = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => again.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (again.exitCode === null && again.signalCode === null) again.kill('SIGKILL');
  });
  // kubelet's readiness view while it happens: never ready between the detection and the recovery's end
  let sawRecovering = false;
  let recovered: any;
  for (let i = 0; i < 480 && again.exitCode === null && !recovered; i++) {
    // readiness first: a recovery still shown afterwards was already under way when it answered
    const rz = (await getStatus(`${statusUrl}${probePath('readinessProbe')}`)).status;
    const st = (await getStatus(`${statusUrl}/status`)).body;
    if (st?.cchain?.recovery) {
      sawRecovering = true;
      assert.equal(rz, 503, `ready during the recovery (step ${st.cchain.recovery.step})`);
    }
    if (rz === 200 && st?.cchain?.lastRecovery) recovered = st;
    else await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(recovered, `the pod never turned ready after a recovery\n${stderr2.slice(-3000)}`);
  assert.ok(sawRecovering, 'kubelet saw the pod not ready while it recovered');
  assert.equal(recovered.phase, 'running');
  assert.equal(recovered.cchain.lastRecovery.outcome, 'recovered');
  assert.equal(recovered.cchain.height, BLOCKS);
  assert.equal((await getStatus(`${statusUrl}${probePath('livenessProbe')}`)).status, 200);
  const lines2 = stderr2.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  assert.equal(lines2.filter((l) => l.code === 'E_CCHAIN_CORRUPT').length, 1, 'one error line for the detection');
  const steps = [...new Set(lines2.filter((l) => typeof l.step === 'string').map((l) => l.step))];
  assert.deepEqual(steps, ['luxd-stopped', 'clearing-chain-data', 'starting-luxd', 'waiting-health', 'applying-aliases', 'importing', 'verifying-state']);
  // the import ran again into the cleared chain, verified against the published list; counted once
  const rec2 = JSON.parse(readFileSync(recordPath, 'utf8'));
  assert.equal(rec2.height, BLOCKS);
  assert.equal(JSON.parse(readFileSync(env.LUXOPS_RLP_IMPORT_MARKER!, 'utf8')).sha256, sha256hex(chain));
  const ledger = JSON.parse(readFileSync(join(mounts['/data']!, '.luxops-cchain-recovery.json'), 'utf8'));
  assert.deepEqual(ledger.recoveries.map((r: { outcome: string }) => r.outcome), ['recovered']);
  again.kill('SIGTERM');
  assert.deepEqual(await exited2, { code: 0, signal: null }, stderr2.slice(-2000));
});
