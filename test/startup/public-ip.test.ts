// startup --public-ip-from against a fake Kubernetes API server over TLS (test/fixtures/fake-kube-api.mjs,
// CA and server certificate made by openssl), driving startupCommand.main with the real fake luxd:
// what luxd finally gets in its argv is read from the fake's own record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error plain .mjs fixture without types
import { makeKubeCa, startFakeKubeApi } from '../fixtures/fake-kube-api.mjs';
import { startSupervisor, readRecord, waitFor, logsMatching } from './helpers.js';
import { startupCommand } from '../../src/startup/command.js';
import { captureDeps } from '../helpers/deps.js';
import { parsePublicIpFrom, resolveSources } from '../../src/startup/public-ip-spec.js';
import { setLuxdFlag, flagValues } from '../../src/startup/luxd-argv.js';
import { BINARIES } from '../helpers/run-bin.js';
import type { Deps } from '../../src/core/command.js';

// The service: tests run twice: the Service GET in this process (main called directly), and in the
// helper process the built executable starts for it (startup/kube-helper.ts), which is what the entry
// sets up in production (deps.selfCommand) so TLS never loads into the supervisor.
const GET_MODES: Array<{ name: string; deps: Partial<Deps> }> = [
  { name: 'in-process', deps: {} },
  { name: 'helper process', deps: { selfCommand: [process.execPath, BINARIES.cjs] } },
];

interface FakeApi { url: string; port: number; requests: Array<{ path: string; token?: string; status: number }>; tokens: Set<string>; onRequest?: (r: unknown, n: number) => void | Promise<void>; close(): Promise<void> }

let work: string;
let ca: { caPath: string; certPath: string; keyPath: string };
let otherCa: { caPath: string };
const NS = 'lux-mainnet';

before(() => {
  work = mkdtempSync(join(tmpdir(), 'luxops-kube-'));
  mkdirSync(join(work, 'ca'));
  mkdirSync(join(work, 'other-ca'));
  ca = makeKubeCa(join(work, 'ca'));
  otherCa = makeKubeCa(join(work, 'other-ca'));
});
after(() => rmSync(work, { recursive: true, force: true }));

let seq = 0;
/** A service-account dir as kubelet projects it: token, ca.crt, namespace. */
function serviceAccount(token: string | undefined, caPath = ca.caPath): string {
  const dir = join(work, `sa-${seq++}`);
  mkdirSync(dir);
  if (token !== undefined) writeFileSync(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), readCa(caPath));
  writeFileSync(join(dir, 'namespace'), NS);
  return dir;
}
function readCa(p: string): Buffer {
  return process.getBuiltinModule('node:fs').readFileSync(p);
}

async function api(opts: Record<string, unknown>): Promise<FakeApi> {
  const f = (await startFakeKubeApi({ certPath: ca.certPath, keyPath: ca.keyPath, namespace: NS, ...opts })) as FakeApi;
  after(() => f.close());
  return f;
}

function kubeEnv(f: FakeApi, extra: Record<string, string> = {}): Record<string, string> {
  return { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(f.port), HOSTNAME: 'luxd-3', ...extra };
}

/** Run startup until luxd is up, then stop it; what luxd got as --public-ip. */
async function runToLuxd(flags: string[], env: Record<string, string>, fakeArgs: string[] = [], deps: Partial<Deps> = {}) {
  const run = await startSupervisor(flags, fakeArgs, deps, env);
  const rec = await waitFor(() => {
    const r = readRecord(run.record) as (ReturnType<typeof readRecord> & { argv: string[] }) | undefined;
    return r?.port ? r : undefined;
  }, 'luxd started', 20_000);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0, run.deps.err());
  return { run, argv: rec.argv, publicIps: flagValues(rec.argv.slice(2), 'public-ip') };
}

for (const mode of GET_MODES) test(`service (${mode.name}): the LB gets its IP on the 3rd poll; the rotated token is read again and sent; luxd gets --public-ip replacing its own`, { timeout: 30_000 }, async () => {
  const f = await api({ services: { 'luxd-3': { ingressAfterPolls: 3, ip: '203.0.113.7' } }, tokens: ['token-1'] });
  const sa = serviceAccount('token-1');
  // kubelet rotates the projected token after the first request: the old one is revoked at once
  f.onRequest = (_r, n) => {
    if (n === 1) {
      writeFileSync(join(sa, 'token'), 'token-2\n');
      f.tokens.clear();
      f.tokens.add('token-2');
    }
  };
  const { run, publicIps } = await runToLuxd(
    ['--public-ip-from', 'service:luxd-{ordinal},pod', '--kube-service-account-dir', sa, '--public-ip-interval', '50ms'],
    { ...kubeEnv(f, { POD_IP: '10.1.2.3' }), ...(mode.deps.selfCommand ? { PATH: process.env.PATH ?? '' } : {}) },
    ['--public-ip=10.1.2.3'],
    mode.deps,
  );
  assert.deepEqual(publicIps, ['203.0.113.7'], 'exactly one --public-ip, the LB address');
  assert.deepEqual(f.requests.map((r) => [r.path, r.token, r.status]), [
    [`/api/v1/namespaces/${NS}/services/luxd-3`, 'token-1', 401],
    [`/api/v1/namespaces/${NS}/services/luxd-3`, 'token-2', 200],
    [`/api/v1/namespaces/${NS}/services/luxd-3`, 'token-2', 200],
    [`/api/v1/namespaces/${NS}/services/luxd-3`, 'token-2', 200],
  ]);
  const waits = logsMatching(run.deps, `public IP: service ${NS}/luxd-3:`);
  assert.deepEqual(waits.map((w) => w.attempt), [1, 2, 3]);
  assert.match(String(waits[0]!.msg), /HTTP 401 \(token rejected; it is read again next attempt\); attempt 1\/30, retrying in 50ms/);
  assert.match(String(waits[1]!.msg), /no LoadBalancer ingress yet; attempt 2\/30/);
  const done = logsMatching(run.deps, 'luxd --public-ip=203.0.113.7 from service:luxd-3');
  assert.equal(done.length, 1);
  assert.match(String(done[0]!.msg), /\(replaced --public-ip=10\.1\.2\.3 in luxd's command line\)/);
  assert.equal(typeof done[0]!.resolveMs, 'number');
  // the token never reaches a log line
  assert.ok(!run.deps.err().includes('token-1') && !run.deps.err().includes('token-2'));
});

test('service: a hostname ingress (an ELB name) is resolved to its address', { timeout: 30_000 }, async () => {
  const f = await api({ services: { 'luxd-3': { ingressAfterPolls: 1, hostname: 'localhost' } }, tokens: ['t'] });
  const { run, publicIps } = await runToLuxd(['--public-ip-from', 'service:luxd-{ordinal}', '--kube-service-account-dir', serviceAccount('t')], kubeEnv(f));
  assert.deepEqual(publicIps, ['127.0.0.1']);
  assert.equal(logsMatching(run.deps, 'ingress hostname localhost resolves to 127.0.0.1').length, 1);
});

for (const [code, opts, hint] of [
  [403, { services: { 'luxd-3': { ip: '203.0.113.7' } }, allowed: ['luxd-0'] }, /403 Forbidden \(services "luxd-3" is forbidden: .*\); the pod's service account needs a Role allowing get on services\/luxd-3/],
  [404, { services: {} }, /404 Not Found \(services "luxd-3" not found\); create the per-pod LoadBalancer Service/],
] as const) {
  test(`service: ${code} is not retried; the next source (pod) is used with the chart's warning`, { timeout: 30_000 }, async () => {
    const f = await api({ ...opts, tokens: ['t'] });
    const { run, publicIps } = await runToLuxd(['--public-ip-from', 'service:luxd-{ordinal},pod', '--kube-service-account-dir', serviceAccount('t'), '--public-ip-interval', '5s'], kubeEnv(f, { POD_IP: '10.1.2.3' }));
    assert.deepEqual(publicIps, ['10.1.2.3']);
    assert.equal(f.requests.length, 1, 'one request, no 5 s waits');
    const gave = logsMatching(run.deps, 'public IP: service:luxd-3 gave no address');
    assert.equal(gave.length, 1);
    assert.match(String(gave[0]!.reason), hint);
    const w = logsMatching(run.deps, 'public IP: using the pod IP 10.1.2.3: no external address found');
    assert.equal(w.length, 1);
    assert.equal(w[0]!.level, 'warn');
  });
}

test('service without a fallback: every attempt used up -> exit 1 E_PUBLIC_IP, luxd never started', { timeout: 30_000 }, async () => {
  const f = await api({ services: { 'luxd-3': { ingressAfterPolls: 1000, ip: '203.0.113.7' } }, tokens: ['t'] });
  const d = captureDeps();
  const record = join(work, `never-${seq++}.json`);
  const code = await startupCommand.main(
    ['--public-ip-from', 'service:luxd-{ordinal}', '--kube-service-account-dir', serviceAccount('t'), '--public-ip-attempts', '3', '--public-ip-interval', '20ms', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(record)}, 'ran')`],
    { PATH: process.env.PATH, ...kubeEnv(f) },
    d,
  );
  assert.equal(code, 1);
  assert.equal(f.requests.length, 3);
  const err = d.logs().find((l) => l.code === 'E_PUBLIC_IP');
  assert.match(String(err?.msg), /no public IP for luxd from --public-ip-from \(service:luxd-3: service lux-mainnet\/luxd-3: no LoadBalancer ingress yet after 3 attempt\(s\)\); luxd not started/);
  assert.equal(existsSync(record), false);
});

for (const mode of GET_MODES) test(`service (${mode.name}): an API server whose certificate the mounted CA did not sign is never trusted (retried as a network error)`, { timeout: 30_000 }, async () => {
  const f = await api({ services: { 'luxd-3': { ip: '203.0.113.7' } }, tokens: ['t'] });
  const { run, publicIps } = await runToLuxd(['--public-ip-from', 'service:luxd-{ordinal},pod', '--kube-service-account-dir', serviceAccount('t', otherCa.caPath), '--public-ip-attempts', '2', '--public-ip-interval', '20ms'], kubeEnv(f, { POD_IP: '10.1.2.3' }), [], mode.deps);
  assert.deepEqual(publicIps, ['10.1.2.3']);
  assert.equal(f.requests.length, 0, 'no request got past the TLS handshake');
  assert.match(String(logsMatching(run.deps, 'public IP: service lux-mainnet/luxd-3:')[0]?.reason), /SIGNATURE|CERT|certificate|verify/i);
});

for (const mode of GET_MODES) test(`service (${mode.name}): a lying API server (connection dropped mid-answer, a 2 MiB answer, a non-Service 200) is retried, then the next source`, { timeout: 30_000 }, async () => {
  const https = process.getBuiltinModule('node:https');
  let n = 0;
  const srv = https.createServer({ cert: readCa(ca.certPath), key: readCa(ca.keyPath) }, (req, res) => {
    n++;
    if (n === 1) req.socket.destroy();
    else if (n === 2) res.end(JSON.stringify({ kind: 'Service', pad: 'x'.repeat(2 * 1024 * 1024) }));
    else res.end(JSON.stringify({ kind: 'Status', status: { loadBalancer: { ingress: [{ ip: '6.6.6.6' }] } } }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  after(() => new Promise<void>((r) => srv.close(() => r())));
  const port = (srv.address() as { port: number }).port;
  const { run, publicIps } = await runToLuxd(
    ['--public-ip-from', 'service:luxd-{ordinal},pod', '--kube-service-account-dir', serviceAccount('t'), '--public-ip-attempts', '3', '--public-ip-interval', '20ms'],
    { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port), HOSTNAME: 'luxd-3', POD_IP: '10.1.2.3' },
    [],
    mode.deps,
  );
  assert.deepEqual(publicIps, ['10.1.2.3']);
  const reasons = logsMatching(run.deps, 'public IP: service lux-mainnet/luxd-3:').map((l) => String(l.reason));
  assert.equal(reasons.length, 2);
  assert.match(reasons[0]!, /ECONNRESET|socket hang up/);
  assert.match(reasons[1]!, /answer over 1048576 bytes refused/);
  assert.match(String(logsMatching(run.deps, 'gave no address')[0]?.reason), /the answer is not a Service document after 3 attempt\(s\)/);
});

test('service: a helper process that dies or hangs is retried like a network error, then the next source; SIGTERM kills a hanging one', { timeout: 30_000 }, async () => {
  const f = await api({ services: { 'luxd-3': { ip: '203.0.113.7' } }, tokens: ['t'] });
  const dies = await runToLuxd(['--public-ip-from', 'service:luxd-{ordinal},pod', '--kube-service-account-dir', serviceAccount('t'), '--public-ip-attempts', '2', '--public-ip-interval', '20ms'], kubeEnv(f, { POD_IP: '10.1.2.3' }), [], {
    selfCommand: [process.execPath, '-e', "process.stderr.write('boom\\n'); process.exit(3)"],
  });
  assert.deepEqual(dies.publicIps, ['10.1.2.3']);
  const reasons = logsMatching(dies.run.deps, 'public IP: service lux-mainnet/luxd-3:').map((l) => String(l.reason));
  assert.deepEqual(reasons, ['the Kubernetes API helper ended with exit 3: boom']);
  assert.equal(f.requests.length, 0);
  // a helper that never answers: SIGTERM ends the wait at once and kills it
  const pidFile = join(work, `helper-${seq++}.pid`);
  const d = captureDeps({ selfCommand: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`] });
  const done = startupCommand.main(['--public-ip-from', 'service:luxd-{ordinal}', '--kube-service-account-dir', serviceAccount('t'), '--', process.execPath, '-e', '0'], { PATH: process.env.PATH, ...kubeEnv(f) }, d);
  const pid = Number(await waitFor(() => (existsSync(pidFile) ? process.getBuiltinModule('node:fs').readFileSync(pidFile, 'utf8') : undefined), 'helper started'));
  d.raise('SIGTERM');
  assert.equal(await done, 143);
  await waitFor(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 'helper killed');
});

test('service: no token mounted, or not in a cluster: the source is skipped at once with the reason', { timeout: 30_000 }, async () => {
  const f = await api({ services: { 'luxd-3': { ip: '203.0.113.7' } }, tokens: ['t'] });
  const a = await runToLuxd(['--public-ip-from', 'service:luxd-{ordinal},pod', '--kube-service-account-dir', serviceAccount(undefined)], kubeEnv(f, { POD_IP: '10.1.2.3' }));
  assert.deepEqual(a.publicIps, ['10.1.2.3']);
  assert.match(String(logsMatching(a.run.deps, 'gave no address')[0]?.reason), /cannot read the service account token .*\/token: ENOENT \(is a service account token mounted into this container\?\)/);
  const b = await runToLuxd(['--public-ip-from', 'service:luxd-{ordinal},pod'], { HOSTNAME: 'luxd-3', POD_IP: '10.1.2.4' });
  assert.deepEqual(b.publicIps, ['10.1.2.4']);
  assert.match(String(logsMatching(b.run.deps, 'gave no address')[0]?.reason), /KUBERNETES_SERVICE_HOST\/KUBERNETES_SERVICE_PORT are not set/);
  assert.equal(f.requests.length, 0);
});

test('static: the entry of this pod\'s ordinal; an empty entry falls through to the next source', { timeout: 30_000 }, async () => {
  const list = 'static:203.0.113.10;;203.0.113.12;203.0.113.13,pod';
  const three = await runToLuxd(['--public-ip-from', list], { HOSTNAME: 'luxd-3', POD_IP: '10.1.2.3' }, ['--public-ip', '10.0.0.1']);
  assert.deepEqual(three.publicIps, ['203.0.113.13']);
  assert.ok(!three.argv.includes('10.0.0.1'), 'the `--public-ip X` form is replaced too');
  const one = await runToLuxd(['--public-ip-from', list], { HOSTNAME: 'luxd-1', POD_IP: '10.1.2.3' });
  assert.deepEqual(one.publicIps, ['10.1.2.3']);
  assert.match(String(logsMatching(one.run.deps, 'gave no address')[0]?.reason), /no entry for ordinal 1/);
});

test('SIGTERM while waiting for the LoadBalancer: exit 143 at once, luxd never started', { timeout: 30_000 }, async () => {
  const f = await api({ services: { 'luxd-3': { ingressAfterPolls: 1000, ip: '203.0.113.7' } }, tokens: ['t'] });
  const d = captureDeps();
  const record = join(work, `never-${seq++}.json`);
  const done = startupCommand.main(
    ['--public-ip-from', 'service:luxd-{ordinal}', '--kube-service-account-dir', serviceAccount('t'), '--public-ip-interval', '60s', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(record)}, 'ran')`],
    { PATH: process.env.PATH, ...kubeEnv(f) },
    d,
  );
  await waitFor(() => f.requests.length === 1 && d.logs().some((l) => String(l.msg).includes('retrying in 1m')), 'first wait');
  d.raise('SIGTERM');
  assert.equal(await done, 143);
  assert.equal(existsSync(record), false);
  assert.equal(d.logs().filter((l) => String(l.msg).includes('received SIGTERM before luxd was started')).length, 1);
});

test('usage errors exit 2 naming the flag: bad static IP, bad Service name, no ordinal, --attach, luxd\'s own resolution service', async () => {
  const cases: Array<[string[], Record<string, string>, RegExp, string[]?]> = [
    [['--public-ip-from', 'static:1.2.3.4;nope'], { HOSTNAME: 'luxd-0' }, /invalid value for --public-ip-from: "static:1\.2\.3\.4;nope" lists "nope", which is not an IP address/],
    [['--public-ip-from', 'service:Luxd_{ordinal}'], { HOSTNAME: 'luxd-0' }, /names "Luxd_0", which is not a Service name/],
    [['--public-ip-from', 'service:luxd-{ordinal}'], { HOSTNAME: 'builder' }, /--public-ip-from uses \{ordinal\} but HOSTNAME "builder" does not end in a number/],
    [['--public-ip-from', 'static:1.2.3.4'], { HOSTNAME: 'builder' }, /--public-ip-from static: needs this pod's ordinal/],
    [['--public-ip-from', 'dns:x'], {}, /"dns:x" is not a source/],
    [['--public-ip-from', 'pod,pod'], {}, /repeats the pod source/],
    [['--public-ip-from', 'pod', '--attach'], {}, /--public-ip-from cannot be used with --attach/],
    [['--public-ip-from', 'pod'], {}, /remove --public-ip-resolution-service from luxd's command line/, ['--public-ip-resolution-service=opendns']],
  ];
  for (const [flags, env, msg, luxd] of cases) {
    const d = captureDeps();
    const rest = flags.includes('--attach') ? [] : ['--', '/bin/true', ...(luxd ?? [])];
    const code = await startupCommand.main([...flags, ...rest], { PATH: process.env.PATH, ...env }, d);
    assert.equal(code, 2, `${flags.join(' ')}: ${d.err()}`);
    assert.match(d.err(), msg);
  }
});

test('pieces: source parsing, template expansion, luxd argv editing', () => {
  assert.deepEqual(parsePublicIpFrom(' static:1.2.3.4;;2001:db8::1 , service:luxd-{ordinal},pod'), [
    { kind: 'static', ips: ['1.2.3.4', '', '2001:db8::1'] },
    { kind: 'service', template: 'luxd-{ordinal}' },
    { kind: 'pod' },
  ]);
  assert.deepEqual(resolveSources(parsePublicIpFrom('static:1.2.3.4;;2001:db8::1,service:lb-{hostname}'), { HOSTNAME: 'luxd-2' }), [
    { kind: 'static', ip: '2001:db8::1', ordinal: 2 },
    { kind: 'service', name: 'lb-luxd-2' },
  ]);
  assert.deepEqual(resolveSources(parsePublicIpFrom('static:1.2.3.4'), { HOSTNAME: 'luxd-7' }), [{ kind: 'static', ip: undefined, ordinal: 7 }]);
  // --public-ip-resolution-service is another flag; `--name value` consumes its value; nothing after `--`
  const args = ['--public-ip-resolution-service=x', '--public-ip', '1.1.1.1', '--http-port=1', '--public-ip=2.2.2.2', '--', '--public-ip=3.3.3.3'];
  assert.deepEqual(setLuxdFlag(args, 'public-ip', '9.9.9.9'), {
    args: ['--public-ip-resolution-service=x', '--http-port=1', '--public-ip=9.9.9.9', '--', '--public-ip=3.3.3.3'],
    replaced: ['1.1.1.1', '2.2.2.2'],
  });
  assert.deepEqual(setLuxdFlag(['--public-ip'], 'public-ip', '9.9.9.9'), { args: ['--public-ip=9.9.9.9'], replaced: [''] });
  assert.deepEqual(flagValues(args, 'public-ip-resolution-service'), ['x']);
});
