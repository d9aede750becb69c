// Pod rehearsal: run a rendered validator pod's containers in kubelet's order, with the real built
// executable, against local stand-ins for everything outside the pod:
//   S3 -> s3rver, KMS -> test/fixtures/fake-kms.mjs, the RLP export host -> test/fixtures/fault-server.mjs,
//   the luxd binary -> test/fixtures/fake-luxd.mjs (speaks luxd's HTTP API).
// Container paths are mapped into a temp "pod filesystem"; commands, args and env are exactly the
// rendered manifest's (kubelet's env + $(VAR) expansion), except the endpoints and ports a laptop needs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOverlay, get, podContainers, containerEnv, containerArgv } from './render.js';
import type { Container, Obj } from './render.js';
import { BINARIES, ROOT, runBin } from '../helpers/run-bin.js';
import { freePort } from '../helpers/free-port.js';
import { opensslPair, nodeIdViaOpenssl, BLS_SK, BLS_PK } from '../key-downloader/fixtures.js';
import { startS3, startFaultServer, tempDir } from '../rlp-import/helpers.js';
import { buildChain, splitBytes, sha256hex } from '../rlp-import/rlp-fixture.js';
// @ts-expect-error plain .mjs fixture without types
import { startFakeKms } from '../fixtures/fake-kms.mjs';

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

test('pod rehearsal (mainnet overlay): init containers, then the supervised luxd, then SIGTERM', { timeout: 180_000 }, async (t) => {
  const { dir: pod, cleanup } = tempDir('luxops-pod-');
  after(cleanup);
  const objs: Obj[] = renderOverlay('mainnet');
  const sts = get(objs, 'StatefulSet', 'luxd');
  const containers = podContainers(sts);
  assert.deepEqual(containers.map((c) => c.name), ['install', 'key-downloader', 'signer-downloader', 'luxd']);

  // --- what lives outside the pod --------------------------------------------------------------
  const keysEnv = (containers[1]!.envFrom ?? []).find((e: any) => e.configMapRef)?.configMapRef.name as string;
  const bucket = (get(objs, 'ConfigMap', keysEnv).data as Record<string, string>).LUXOPS_S3_BUCKET!;
  const kmsKeyId = (get(objs, 'ConfigMap', keysEnv).data as Record<string, string>).LUXOPS_KMS_KEY_ID!;
  const s3 = await startS3(bucket);
  after(() => s3.close());
  const kms = await startFakeKms({ keys: [{ id: 'mainnet-staking-key', alias: kmsKeyId }] });
  after(() => kms.close());

  const rlpEnv = containerEnv(containers[3]!, objs, { fieldRef: { 'status.podIP': '127.0.0.1' }, secretKeyRef: {} });
  const file = rlpEnv.LUXOPS_RLP_FILE!;
  const partNames = rlpEnv.LUXOPS_RLP_PARTS!.split(',');
  const chain = buildChain(0, BLOCKS + 1); // block 0 .. BLOCKS, split across every part the overlay lists
  const parts = splitBytes(chain, Math.ceil(chain.length / partNames.length));
  assert.equal(parts.length, partNames.length);
  const files: Record<string, Uint8Array> = {};
  for (const [i, p] of parts.entries()) {
    files[rlpEnv.LUXOPS_RLP_PART_NAME_TEMPLATE!.replace('{file}', file).replace('{part}', partNames[i]!)] = p.data;
  }
  // the overlay pins the export with a sha256sum list beside the parts (the import refuses unpinned
  // data): publish one for the test export, the way the README says to produce it
  const sumsUrl = rlpEnv.LUXOPS_RLP_CHECKSUMS_URL!;
  assert.ok(sumsUrl.startsWith(`${rlpEnv.LUXOPS_RLP_BASE_URL}/`), `checksums beside the parts: ${sumsUrl}`);
  files[sumsUrl.slice(rlpEnv.LUXOPS_RLP_BASE_URL!.length + 1)] = Buffer.from(
    [...parts.map((p, i) => `${sha256hex(p.data)}  ${rlpEnv.LUXOPS_RLP_PART_NAME_TEMPLATE!.replace('{file}', file).replace('{part}', partNames[i]!)}`), `${sha256hex(chain)}  ${file}`, ''].join('\n'),
  );
  const cdn = await startFaultServer({ files });
  after(() => cdn.close());

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
    LUXOPS_S3_ENDPOINT: s3.endpoint,
    LUXOPS_KMS_ENDPOINT: kms.url,
  };
  const objKey = (c: Container, flag: string) => (c.command ?? []).find((a) => a.startsWith(`--${flag}=`))!.split('=')[1]!.replace('{ordinal}', ordinal);
  const keysCm = get(objs, 'ConfigMap', keysEnv).data as Record<string, string>;
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
  };
  for (const [from, to] of Object.entries(mounts)) if (!from.includes('/luxops') && !from.includes('/build/')) mkdirSync(to, { recursive: true });
  mkdirSync(mounts['/opt/luxops']!, { recursive: true });
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
  const aliasIds = rlpEnv.LUXOPS_ALIAS!.split(',').map((a) => a.split('=')[1]!);
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
  env.LUXOPS_RLP_BASE_URL = cdn.url;
  env.LUXOPS_RLP_CHECKSUMS_URL = `${cdn.url}${sumsUrl.slice(rlpEnv.LUXOPS_RLP_BASE_URL!.length)}`;
  env.FAKE_LUXD_RECORD = recordPath;
  env.FAKE_LUXD_HEALTHY_AFTER_MS = '400';
  env.FAKE_LUXD_CHAINS = aliasIds.join(',');
  env.FAKE_LUXD_IMPORT_RATE = '100000';
  assert.equal(argv[0], join(mounts['/opt/luxops']!, 'luxops'));
  assert.ok(argv.includes(FAKE_LUXD), 'the supervised command is the (fake) luxd binary');
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
  assert.equal(new URL(env.LUXOPS_API_URL!).hostname, '127.0.0.1');
  assert.equal(new URL(env.LUXOPS_RLP_API_URL!).hostname, '127.0.0.1');
  const status = (await getStatus(`${statusUrl}/status`)).body;
  assert.equal(status.phase, 'running');
  assert.ok(status.aliases.every((a: { state: string }) => a.state === 'done'), JSON.stringify(status.aliases));

  const record = JSON.parse(readFileSync(recordPath, 'utf8'));
  for (const entry of rlpEnv.LUXOPS_ALIAS!.split(',')) {
    const [alias, id] = entry.split('=');
    assert.equal(record.aliases[alias!], id, `alias ${alias} applied`);
  }
  assert.equal(record.imports.length, 1, 'one import');
  const markerDoc = JSON.parse(readFileSync(env.LUXOPS_RLP_MARKER!, 'utf8'));
  assert.equal(markerDoc.sha256, sha256hex(chain), 'the import was verified against the published list');
  assert.equal(record.imports[0].last, BLOCKS);
  assert.equal(record.height, BLOCKS);
  const marker = env.LUXOPS_RLP_MARKER ?? join(env.LUXOPS_RLP_DEST_DIR!, '.rlp-import.done');
  assert.ok(marker.startsWith(pod), `marker inside the pod filesystem: ${marker}`);
  assert.ok(existsSync(marker), 'import marker written');
  // the fake luxd got the manifest's luxd flags, mapped into the pod filesystem
  assert.ok(record.argv.includes(`--http-port=${httpPort}`));
  assert.ok(record.argv.includes(`--data-dir=${mounts['/data']}`));

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
});
