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
// Usage: node bench/startup.mjs [runs=5]   (needs `node build.mjs` first; loopback only)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const FAKE = join(root, 'test/fixtures/fake-luxd.mjs');
const runs = Math.max(1, Math.min(50, Number(process.argv[2] ?? 5)));
const INTERVAL_MS = 1000;
// what deploy/base/statefulset.yaml passes (the status server on a free loopback port here)
const CHART_FLAGS = ['--health-timeout', '1800s', '--grace-period', '50s'];
const ALIASES = ['zoo', 'lux', 'hanzo'];
const work = mkdtempSync(join(tmpdir(), 'bench-startup-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const SUPERVISORS = {
  'luxops.cjs startup': [process.execPath, [join(root, 'dist/luxops.cjs'), 'startup']],
  'bin/startup.cjs': [process.execPath, [join(root, 'dist/bin/startup.cjs')]],
  ...(existsSync(join(root, 'dist/luxops')) ? { 'luxops startup (SEA)': [join(root, 'dist/luxops'), ['startup']] } : {}),
};

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
    const [cmd, pre] = SUPERVISORS[kind];
    statusPort = await freePort();
    const args = [...pre, '--status-listen', `127.0.0.1:${statusPort}`, ...CHART_FLAGS, '--api-url', api, '--health-interval', `${INTERVAL_MS}ms`, ...ALIASES.flatMap((a) => ['--alias', `${a}=C`]), '--', ...fake];
    child = spawn(cmd, args, { stdio: 'ignore' });
  }
  const rec = await until(() => {
    const r = readJson(record);
    return r && r.calls.filter((c) => c.method === 'admin.aliasChain').length === ALIASES.length ? r : undefined;
  }, 15_000, `${kind} aliases`);
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

/** Exec time of a probe child spawned by `kind`, relative to when we launched `kind`. */
async function spawnRun(kind) {
  const out = join(work, `probe-${Math.random().toString(36).slice(2)}`);
  const probe = [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(out)}, String(performance.timeOrigin))`];
  let cmd;
  let args;
  if (kind === 'direct') [cmd, args] = [probe[0], probe.slice(1)];
  else if (kind === 'shell') [cmd, args] = ['bash', ['-c', '"$@" & wait $!', 'startup.sh', ...probe]];
  else if (kind === 'node floor') [cmd, args] = [process.execPath, ['-e', NODE_FLOOR, ...probe]];
  else {
    const [c, pre] = SUPERVISORS[kind];
    [cmd, args] = [c, [...pre, '--status-listen', '127.0.0.1:0', ...CHART_FLAGS, '--api-url', 'http://127.0.0.1:9', '--', ...probe]];
  }
  const t0 = performance.timeOrigin + performance.now();
  const child = spawn(cmd, args, { stdio: 'ignore' });
  await exited(child);
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
console.log(`${'variant'.padEnd(22)} ${'healthy->last alias mean / max'.padEnd(32)} ${'max/interval'.padEnd(13)} ${'1st->3rd alias'.padEnd(15)} ${'peak RSS max'.padEnd(13)} added spawn latency (median)`);
for (const k of kinds) {
  const r = res[k];
  const lat = `${mean(r.lat).toFixed(0)} / ${Math.max(...r.lat).toFixed(0)} ms`;
  const ratio = `${(Math.max(...r.lat) / INTERVAL_MS).toFixed(2)}x`;
  const apply = `${median(r.apply).toFixed(0)} ms`;
  const rss = `${Math.max(...r.rss).toFixed(1)} MB${k === 'shell' ? '*' : ''}`;
  console.log(`${k.padEnd(22)} ${lat.padEnd(32)} ${ratio.padEnd(13)} ${apply.padEnd(15)} ${rss.padEnd(13)} ${(median(r.spawn) - base).toFixed(1)} ms`);
}
const shellLat = mean(res.shell.lat);
for (const k of Object.keys(SUPERVISORS)) console.log(`${k}: healthy->last alias mean ${(mean(res[k].lat) / shellLat).toFixed(2)}x the shell script's`);
console.log(`floor for any Node supervisor (node -e: spawn the child, nothing else): added spawn latency median ${(median(floor) - base).toFixed(1)} ms`);
console.log(`(direct spawn of the probe: median ${base.toFixed(1)} ms; * bash's own RSS, curl processes come and go)`);
