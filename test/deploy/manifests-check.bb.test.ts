// What the manifests run, run: for every container of every rendered overlay whose command is
// luxops, exec its exact argv (command + args after kubelet's $(VAR) expansion) with --check
// inserted before any `--`, under the env kubelet would give it (ConfigMaps from the render; the
// downward API and the faucet Secret replaced by test values), against the built dist/luxops.
// Also: the files deploy/Containerfile copies exist after the build and pass .dockerignore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, ROOT, runBin } from '../helpers/run-bin.js';
import { NETWORKS, render, renderOverlay, renderWith, podContainers, containerEnv, containerArgv } from './render.js';
import type { Network, Obj } from './render.js';

/** Where the images put luxops, mapped to the build output. */
const LUXOPS_PATHS = new Set(['/usr/local/bin/luxops', '/opt/luxops/luxops']);
const FAUCET_TEST_KEY = '0x' + '5a'.repeat(32);
const TEST_VALUES = { fieldRef: { 'metadata.name': 'luxd-3', 'status.podIP': '10.1.2.3' }, secretKeyRef: { 'luxops-faucet/private-key': FAUCET_TEST_KEY } };

/** argv with --check before the first `--` (or at the end). */
function withCheck(argv: readonly string[]): string[] {
  const dash = argv.indexOf('--');
  return dash === -1 ? [...argv, '--check'] : [...argv.slice(0, dash), '--check', ...argv.slice(dash)];
}

function luxopsRuns(label: string, objs: Obj[]) {
  const out: Array<{ label: string; argv: string[]; env: Record<string, string> }> = [];
  for (const w of objs.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment')) {
    for (const c of podContainers(w)) {
      const env = containerEnv(c, objs, TEST_VALUES);
      const argv = containerArgv(c, env);
      if (!LUXOPS_PATHS.has(argv[0] ?? '')) continue;
      out.push({ label: `${label} ${w.metadata.name}/${c.name}`, argv, env });
    }
  }
  return out;
}

const cases = [
  ...(Object.keys(NETWORKS) as Network[]).flatMap((net) => luxopsRuns(net, renderOverlay(net))),
  ...luxopsRuns('devnet+restore-snapshot', renderWith('devnet', ['deploy/components/restore-snapshot'], {
    'luxops-snapshot': { LUXOPS_URL: 'https://snapshots.example/lux-devnet-data.tar.gz', LUXOPS_DATA_DIR: '/data' },
  })).filter((r) => r.label.endsWith('/restore-snapshot')),
  // the native sidecar (`startup --attach`) on every network: its env is the same ConfigMaps'
  ...(Object.keys(NETWORKS) as Network[]).flatMap((net) =>
    luxopsRuns(`${net}+attach-sidecar`, renderWith(net, ['deploy/components/attach-sidecar', 'deploy/components/pinned-images'], {})).filter((r) => r.label.endsWith('/startup-attach'))),
  // the example tenant: every luxops container of its own namespace
  ...luxopsRuns('tenant acme-devnet', render(join(ROOT, 'deploy/tenants/acme-devnet'))),
];

test('the renders contain the expected luxops containers', () => {
  const names = cases.map((c) => c.label).sort();
  for (const net of Object.keys(NETWORKS)) {
    for (const c of ['install', 'key-downloader', 'signer-downloader', 'luxd']) assert.ok(names.includes(`${net} luxd/${c}`), `${net} luxd/${c}`);
  }
  assert.ok(names.includes('devnet faucet/faucet') && names.includes('testnet faucet/faucet') && !names.includes('mainnet faucet/faucet'));
  assert.ok(names.includes('devnet+restore-snapshot luxd/restore-snapshot'));
  for (const net of Object.keys(NETWORKS)) assert.ok(names.includes(`${net}+attach-sidecar luxd/startup-attach`), `${net} sidecar`);
  assert.ok(names.includes('tenant acme-devnet luxd/luxd') && names.includes('tenant acme-devnet faucet/faucet'));
});

for (const { label, argv, env } of cases) {
  test(`${label}: ${argv.slice(1, 2).join(' ')} --check exits 0`, async () => {
    // only the manifest's env: the developer's own LUXOPS_* must not make a broken manifest pass
    const r = await runBin(BINARIES.sea, withCheck(argv.slice(1)), { env, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${argv.join(' ')}\n${r.stderr}`);
    const shown = JSON.parse(r.stdout) as { command: string; config: Record<string, unknown> };
    assert.equal(shown.command, argv[1]);
    // the check prints the configuration with secrets redacted
    assert.ok(!r.stdout.includes(FAUCET_TEST_KEY.slice(2)) && !r.stderr.includes(FAUCET_TEST_KEY.slice(2)), 'the faucet key was printed');
    if (argv[1] === 'faucet') assert.equal(shown.config.faucetKey, '[redacted]');
    // {ordinal} resolves from the downward-API HOSTNAME (luxd-3), never another pod's identity
    if (argv[1] === 'key-downloader' || argv[1] === 'signer-downloader') assert.match(r.stdout, /"staking\/3\/[a-z]+\.(key|crt)\.zstd\.encrypted"/);
    if (argv[1] === 'startup') {
      assert.equal(shown.config.attach, label.endsWith('/startup-attach'));
      assert.deepEqual(shown.config.statusListen, { host: '0.0.0.0', port: 9639 });
      assert.equal((shown.config.alias as string[]).length, 4, 'aliases from LUXOPS_ALIAS');
    }
  });
}

/** COPY sources of a Containerfile (flags such as --chmod skipped; the last operand is the destination). */
function copySources(containerfile: string): Array<{ sources: string[]; dest: string }> {
  return containerfile
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^COPY\s/i.test(l))
    .map((l) => {
      const ops = l.split(/\s+/).slice(1).filter((w) => !w.startsWith('--'));
      return { sources: ops.slice(0, -1), dest: ops[ops.length - 1]! };
    });
}

test('deploy/Containerfile: every COPY source exists after the build and is let through .dockerignore', () => {
  const text = readFileSync(join(ROOT, 'deploy/Containerfile'), 'utf8');
  assert.match(text, /^FROM gcr\.io\/distroless\/[a-z0-9-]+:[a-z0-9-]+@sha256:[0-9a-f]{64}$/m, 'distroless base, pinned by digest');
  const copies = copySources(text);
  assert.ok(copies.length > 0);
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
  assert.ok(ignore.includes('*'), '.dockerignore starts from nothing');
  for (const { sources } of copies) {
    for (const s of sources) {
      assert.ok(existsSync(join(ROOT, s)) && statSync(join(ROOT, s)).isFile(), `${s} missing: run npm run build`);
      assert.ok(ignore.includes(`!${s}`), `${s} is excluded from the build context by .dockerignore`);
    }
  }
  // the executable lands where the manifests run it and where the entrypoint points
  const exe = copies.find((c) => c.sources.includes('dist/luxops'));
  assert.equal(exe?.dest, '/usr/local/bin/luxops');
  assert.match(text, /^ENTRYPOINT \["\/usr\/local\/bin\/luxops"\]$/m);
  assert.ok(statSync(join(ROOT, 'dist/luxops')).mode & 0o111, 'dist/luxops is executable');
});

// README runbook "clear C-chain data and re-import": the luxd container plus the two env vars the
// runbook's patch adds must pass --check and target this network's C-chain directory under /data.
for (const net of Object.keys(NETWORKS) as Network[]) {
  test(`${net}: runbook clear-chain-data env on the luxd container passes --check`, async () => {
    const run = cases.find((c) => c.label === `${net} luxd/luxd`);
    assert.ok(run);
    const cchain = '2q9e4r6Mu3U68nU1fYjgbR6JvwrRx36CohpAX5UQxse55x1Q5';
    const env = { ...run.env, LUXOPS_CLEAR_CHAIN_DATA: 'true', LUXOPS_CCHAIN_ID: cchain };
    const r = await runBin(BINARIES.sea, withCheck(run.argv.slice(1)), { env, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`"/data/chainData/network-${NETWORKS[net].networkId}/${cchain}"`), r.stdout);
  });
}
