#!/usr/bin/env node
// startup supervisor vs the chart's shell script (bash `luxd &` + `curl -sf` health loop with
// `sleep 1` + curl admin.aliasChain calls), both against the same fake luxd, interleaved in one
// process. Prints side by side:
//   - time from luxd turning healthy to the last alias applied (fake's own clock: the health flip is
//     at its start + --fake-healthy-after-ms, the alias time is when the fake received the call);
//     target <= 1.2 x --health-interval and not slower than the shell
//   - peak RSS (VmHWM) of the supervisor process; target <= 60 MB
//   - added latency before luxd is spawned: a probe child records performance.timeOrigin (its exec
//     time); minus the same probe spawned directly by this script; target <= 100 ms
// Supervisors run with the chart's flags (CHART_FLAGS: status server on, as in deploy/base).
// The `+ public IP` variant is the single executable with what the per-pod LoadBalancer component
// adds (deploy/components/public-ip-loadbalancer): `--public-ip-from service:luxd-{ordinal},pod` against
// test/fixtures/fake-kube-api.mjs (TLS, the LB has its address at the first read; the GET runs in the
// executable's short-lived helper process, startup/kube-helper.ts) and a 5-node
// `--bootstrap-nodes` table. Its resolution happens before the spawn; the supervisor logs how long it
// took (resolveMs), and the table shows the added spawn latency with and without that time.
// `+ pod IP, peers` is what the overlays run without that component (LUXOPS_STARTUP_PUBLIC_IP_FROM=pod and the
// bootstrap table): no API call, no wait.
// Usage: node bench/startup.mjs [runs=5] [--sea PATH ...]   (needs `node build.mjs` first; loopback only)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { makeKubeCa, startFakeKubeApi } from '../test/fixtures/fake-kube-api.mjs';

const root = new URL('..', import.meta.url).pathname;
const FAKE = join(root, 'test/fixtures/fake-luxd.mjs');
const runs = Math.max(1, Math.min(50, Number(process.argv[2] ?? 5)));
// --sea PATH (repeatable): another single executable as an extra variant, e.g. one built on another Node
const extraSeas = process.argv.flatMap((a, i) => (a === '--sea' && process.argv[i + 1] ? [process.argv[i + 1]] : []));
const INTERVAL_MS = 1000;
// what deploy/base/statefulset.yaml passes (the status server on a free loopback port here)
const CHART_FLAGS = ['--health-timeout', '1800s', '--grace-period', '50s'];
const ALIASES = ['zoo', 'lux', 'hanzo'];
const work = mkdtempSync(join(tmpdir(), 'bench-startup-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// the pod's service account and the API server the public-IP variant reads its LoadBalancer from
const saDir = join(work, 'serviceaccount');
mkdirSync(join(work, 'ca'), { recursive: true });
mkdirSync(saDir);
const kubeCa = makeKubeCa(join(work, 'ca'));
writeFileSync(join(saDir, 'token'), 'bench-token');
writeFileSync(join(saDir, 'ca.crt'), readFileSync(kubeCa.caPath));
writeFileSync(join(saDir, 'namespace'), 'lux-mainnet');
const kubeApi = await startFakeKubeApi({ certPath: kubeCa.certPath, keyPath: kubeCa.keyPath, namespace: 'lux-mainnet', services: { 'luxd-3': { ip: '203.0.113.7' } }, tokens: ['bench-token'] });
const NODE_IDS = ['NodeID-8mCxB5QtMDX1S84zaXF7i8vGcP4FJxACH', 'NodeID-Pss5uJBPNECYvPZVuas9sE8ZwSpwP43Tr', 'NodeID-F1snfkawAgudnrp4wZWRK6syZwokPRfb2', 'NodeID-H7KVD16b5b8uzWy9uUdrjzsBLEbbTaUKc', 'NodeID-aVsqjzUqNNTNDxbRwkCUrwnVgEe5x8Qc'];
const PEERS = ['--bootstrap-nodes', NODE_IDS.map((id) => `${id}@luxd-{ordinal}.luxd-headless.lux-mainnet.svc.cluster.local:9631`).join(',')];
// what an overlay runs without the component: LUXOPS_STARTUP_PUBLIC_IP_FROM=pod + LUXOPS_STARTUP_BOOTSTRAP_NODES
const POD_FLAGS = ['--public-ip-from', 'pod', ...PEERS];
const NETWORK_FLAGS = ['--public-ip-from', 'service:luxd-{ordinal},pod', '--kube-service-account-dir', saDir, ...PEERS];
const NETWORK_ENV = { HOSTNAME: 'luxd-3', POD_IP: '10.1.2.3', KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(kubeApi.port) };


const hasSea = existsSync(join(root, 'dist/luxops'));
const SUPERVISORS = {
  'luxops.cjs startup': [process.execPath, [join(root, 'dist/luxops.cjs'), 'startup']],
  'bin/startup.cjs': [process.execPath, [join(root, 'dist/bin/startup.cjs')]],
  ...(hasSea ? { 'luxops startup (SEA)': [join(root, 'dist/luxops'), ['startup']] } : {}),
  ...(hasSea ? { 'SEA + pod IP, peers': [join(root, 'dist/luxops'), ['startup', ...POD_FLAGS], NETWORK_ENV] } : {}),
  ...(hasSea ? { 'SEA + public IP': [join(root, 'dist/luxops'), ['startup', ...NETWORK_FLAGS], NETWORK_ENV] } : {}),
  ...Object.fromEntries(extraSeas.map((p) => [`${p} startup`, [p, ['startup']]])),
};
/** resolveMs of the supervisor's `luxd --public-ip=` line, from its stderr. */
function resolveMsOf(stderr) {
  for (const line of stderr.split('\n')) {
    if (!line.includes('"resolveMs"')) continue;
    try {
      return JSON.parse(line).resolveMs;
    } catch {
      /* not a log line */
    }
  }
  return NaN;
}
const resolveMs = [];

const SHELL = `
"$@" &
LUXD_PID=$!
for i in $(seq 1 180); do
  if curl -sf "$API/ext/health" >/dev/null 2>&1; then break; fi
  sleep 1
done
for a in ${ALIASES.join(' ')}; do
  curl -s -X POST -H 'content-type: application/json' --data "{\\"jsonrpc\\":\\"2.0\\",\\"id\\":1,\\"method\\":\\"admin.aliasChain\\",\\"params\\":{\\"chain\\":\\"C\\",\\"alias\\":\\"$a\\"}}" "$API/ext/admin" >/dev/null 2>&1 || true
done
wait $LUXD_PID
`;

// the least any Node supervisor can add: boot node, spawn the child, nothing else
const NODE_FLOOR = "require('child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' }).on('exit', (c) => process.exit(c ?? 1))";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
async function scrape(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('process_start_time_seconds')) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
}
function vmHwmMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // decimal MB (10^6 bytes), the stricter reading of the "60 MB"
    return m ? (Number(m[1]) * 1024) / 1e6 : NaN;
  } catch {
    return NaN;
  }
}
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}
function exited(child) {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
}

/** One start-up: healthy -> last alias latency and the supervisor's peak RSS. */
async function aliasRun(kind, n) {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const record = join(work, `rec-${kind.replace(/\W/g, '')}-${n}.json`);
  // the same spread of health-flip times for every variant (run n gets the same one), so the
  // variants are compared on equal footing: 1.2-2.2 s, spread evenly over the poll interval
  const healthyAfter = 1200 + ((n * 379 + 137) % 1000);
  const fake = [process.execPath, FAKE, `--http-port=${port}`, `--fake-record=${record}`, `--fake-healthy-after-ms=${healthyAfter}`];
  let child;
  let statusPort;
  if (kind === 'shell') {
    child = spawn('bash', ['-c', SHELL, 'startup.sh', ...fake], { stdio: 'ignore', env: { ...process.env, API: api } });
  } else {
    const [cmd, pre, extraEnv] = SUPERVISORS[kind];
    statusPort = await freePort();
    const args = [...pre, '--status-listen', `127.0.0.1:${statusPort}`, ...CHART_FLAGS, '--api-url', api, '--health-interval', `${INTERVAL_MS}ms`, ...ALIASES.flatMap((a) => ['--alias', `${a}=C`]), '--', ...fake];
    child = spawn(cmd, args, { stdio: 'ignore', env: { ...process.env, ...extraEnv } });
  }
  const rec = await until(() => {
    const r = readJson(record);
    return r && r.calls.filter((c) => c.method === 'admin.aliasChain').length === ALIASES.length ? r : undefined;
  }, 30_000, `${kind} aliases`);
  await sleep(300);
  // Prometheus scrapes /metrics (the PodMonitor: every 30 s): a few scrapes are part of the footprint
  if (statusPort) for (let i = 0; i < 3; i++) await scrape(`http://127.0.0.1:${statusPort}/metrics`);
  const rssMb = vmHwmMb(child.pid);
  const calls = rec.calls.filter((c) => c.method === 'admin.aliasChain');
  const last = calls.at(-1);
  const latencyMs = Date.parse(last.at) - (Date.parse(rec.startedAt) + healthyAfter);
  const applyMs = Date.parse(last.at) - Date.parse(calls[0].at);
  // bash does not forward SIGTERM (the chart's bug); stop luxd directly so both end the same way
  if (kind === 'shell') process.kill(rec.pid, 'SIGTERM');
  else child.kill('SIGTERM');
  await Promise.race([exited(child), sleep(5000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  return { latencyMs, rssMb, applyMs };
}

const PROBE = join(work, 'probe.cjs');
writeFileSync(PROBE, "require('fs').writeFileSync(process.argv[2], String(performance.timeOrigin))\n");

/** Exec time of a probe child spawned by `kind`, relative to when we launched `kind`. */
async function spawnRun(kind) {
  const out = join(work, `probe-${Math.random().toString(36).slice(2)}`);
  // a script, not `node -e`: the public-IP variant appends luxd flags, which must land in the script's argv
  const probe = [process.execPath, PROBE, out];
  let cmd;
  let args;
  if (kind === 'direct') [cmd, args] = [probe[0], probe.slice(1)];
  else if (kind === 'shell') [cmd, args] = ['bash', ['-c', '"$@" & wait $!', 'startup.sh', ...probe]];
  else if (kind === 'node floor') [cmd, args] = [process.execPath, ['-e', NODE_FLOOR, ...probe]];
  let env = process.env;
  if (!['direct', 'shell', 'node floor'].includes(kind)) {
    const [c, pre, extraEnv] = SUPERVISORS[kind];
    [cmd, args] = [c, [...pre, '--status-listen', '127.0.0.1:0', ...CHART_FLAGS, '--api-url', 'http://127.0.0.1:9', '--', ...probe]];
    env = { ...process.env, ...extraEnv };
  }
  const t0 = performance.timeOrigin + performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await exited(child);
  if (kind === 'SEA + public IP') resolveMs.push(resolveMsOf(stderr));
  return Number(readFileSync(out, 'utf8')) - t0;
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const kinds = [...Object.keys(SUPERVISORS), 'shell'];
const res = Object.fromEntries(kinds.map((k) => [k, { lat: [], rss: [], spawn: [], apply: [] }]));
const direct = [];
const floor = [];
for (let i = 0; i < runs; i++) {
  for (const k of kinds) {
    const r = await aliasRun(k, i);
    res[k].lat.push(r.latencyMs);
    res[k].rss.push(r.rssMb);
    res[k].apply.push(r.applyMs);
  }
}
for (let i = 0; i < Math.max(10, runs); i++) {
  direct.push(await spawnRun('direct'));
  floor.push(await spawnRun('node floor'));
  for (const k of kinds) res[k].spawn.push(await spawnRun(k));
}
const base = median(direct);
console.log(`runs: ${runs} start-ups per variant (healthy after 1.2-2.2 s, the same spread for every variant), ${Math.max(10, runs)} spawn probes; --health-interval ${INTERVAL_MS} ms, ${ALIASES.length} aliases`);
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
console.log(`${'variant'.padEnd(22)} ${'healthy->last alias mean / max'.padEnd(32)} ${'max/interval'.padEnd(13)} ${'1st->3rd alias'.padEnd(15)} ${'peak RSS med / max'.padEnd(19)} added spawn latency (median)`);
for (const k of kinds) {
  const r = res[k];
  const lat = `${mean(r.lat).toFixed(0)} / ${Math.max(...r.lat).toFixed(0)} ms`;
  const ratio = `${(Math.max(...r.lat) / INTERVAL_MS).toFixed(2)}x`;
  const apply = `${median(r.apply).toFixed(0)} ms`;
  const rss = `${median(r.rss).toFixed(1)} / ${Math.max(...r.rss).toFixed(1)} MB${k === 'shell' ? '*' : ''}`;
  console.log(`${k.padEnd(22)} ${lat.padEnd(32)} ${ratio.padEnd(13)} ${apply.padEnd(15)} ${rss.padEnd(19)} ${(median(r.spawn) - base).toFixed(1)} ms`);
}
for (const k of kinds.filter((x) => x.includes('SEA'))) console.log(`${k} peak RSS samples (MB): ${res[k].rss.map((x) => x.toFixed(1)).join(' ')}`);
if (resolveMs.length > 0) {
  const spawnIp = median(res['SEA + public IP'].spawn) - base;
  const wait = median(resolveMs);
  console.log(`SEA + public IP: public IP resolved in ${wait.toFixed(1)} ms median (one helper process making one TLS GET to the fake API server, LB ready at once; min ${Math.min(...resolveMs).toFixed(1)}, max ${Math.max(...resolveMs).toFixed(1)}); added spawn latency without that wait ${(spawnIp - wait).toFixed(1)} ms`);
}
const shellLat = mean(res.shell.lat);
for (const k of Object.keys(SUPERVISORS)) console.log(`${k}: healthy->last alias mean ${(mean(res[k].lat) / shellLat).toFixed(2)}x the shell script's`);
console.log(`floor for any Node supervisor (node -e: spawn the child, nothing else): added spawn latency median ${(median(floor) - base).toFixed(1)} ms`);
console.log(`(direct spawn of the probe: median ${base.toFixed(1)} ms; * bash's own RSS, curl processes come and go)`);
await kubeApi.close();
