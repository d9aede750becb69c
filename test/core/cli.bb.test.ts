// Black-box tests of the built executables: the .cjs bundle under node, and the single executable
// run with an empty environment (no Node.js on PATH), plus symlink dispatch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, statSync, readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINARIES, ROOT, runBin } from '../helpers/run-bin.js';

const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
const variants = [
  { label: 'cjs', run: (args: string[], env: Record<string, string> = {}) => runBin(process.execPath, [BINARIES.cjs, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }) },
  // the single executable must run where the only runtime is glibc: empty env, PATH without node
  { label: 'sea', run: (args: string[], env: Record<string, string> = {}) => runBin(BINARIES.sea, args, { env: { PATH: '/nonexistent', ...env } }) },
];
const minimal = ['--base-url', 'http://127.0.0.1:1/exports', '--file', 'lux.rlp', '--allow-unverified'];

test('artifacts: shebang bundle 0755, per-utility bundles, SEA, SHA256SUMS', () => {
  const cjs = readFileSync(BINARIES.cjs, 'utf8');
  assert.ok(cjs.startsWith('#!/usr/bin/env node\n'));
  assert.equal(statSync(BINARIES.cjs).mode & 0o777, 0o755);
  assert.equal(statSync(BINARIES.sea).mode & 0o777, 0o755);
  const sums = readFileSync(join(ROOT, 'dist/SHA256SUMS'), 'utf8');
  for (const f of ['luxops', 'luxops.cjs', 'bin/rlp-import.cjs']) assert.match(sums, new RegExp(`^[0-9a-f]{64}  ${f.replace('.', '\\.')}$`, 'm'));
  assert.ok(existsSync(join(ROOT, 'dist/bin/rlp-import.cjs')));
});

for (const v of variants) {
  test(`${v.label}: --version and --help`, async () => {
    const r = await v.run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
    assert.equal(r.stderr, '');
    const h = await v.run(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Commands:$/m);
    assert.match(h.stdout, /^ {2}rlp-import\s+\S/m);
  });

  test(`${v.label}: command --help lists flags with env twins and defaults`, async () => {
    const r = await v.run(['rlp-import', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}--concurrency N\s/m);
    assert.match(r.stdout, /\[env\s+LUXOPS_RLP_IMPORT_CONCURRENCY;\s+default\s+4\]/);
  });

  test(`${v.label}: unknown command and unknown flag exit 2 with a one-line error`, async () => {
    const a = await v.run(['frobnicate']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /^luxops: unknown command "frobnicate"\nTry 'luxops --help' or 'luxops <command> --help'\n$/);
    const b = await v.run(['rlp-import', '--frob']);
    assert.equal(b.code, 2);
    assert.equal(b.stderr, "luxops rlp-import: unknown flag --frob\nTry 'luxops rlp-import --help'\n");
  });

  test(`${v.label}: bad flag value names the flag; env twin beats default; flag beats env`, async () => {
    const bad = await v.run(['rlp-import', ...minimal, '--concurrency', 'lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^luxops rlp-import: invalid value for --concurrency: "lots", expected an integer between 1 and 64\n/);
    const badEnv = await v.run(['rlp-import', ...minimal], { LUXOPS_RLP_IMPORT_TIMEOUT: 'forever' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /invalid value for LUXOPS_RLP_IMPORT_TIMEOUT \(--timeout\): "forever"/);
    const env = await v.run(['rlp-import', ...minimal, '--check'], { LUXOPS_RLP_IMPORT_CONCURRENCY: '9' });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(JSON.parse(env.stdout).config.concurrency, 9);
    const flag = await v.run(['rlp-import', ...minimal, '--check', '--concurrency', '2'], { LUXOPS_RLP_IMPORT_CONCURRENCY: '9' });
    assert.equal(JSON.parse(flag.stdout).config.concurrency, 2);
    const dflt = await v.run(['rlp-import', ...minimal, '--check']);
    assert.equal(JSON.parse(dflt.stdout).config.concurrency, 4);
  });

  test(`${v.label}: did-you-mean, -h, help within 80 columns, env warnings as JSON lines`, async () => {
    const typo = await v.run(['fuacet']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^luxops: unknown command "fuacet" \(did you mean "faucet"\?\)\n/);
    const h = await v.run(['rlp-import', '-h']);
    assert.equal(h.code, 0);
    assert.equal(h.stdout, (await v.run(['rlp-import', '--help'])).stdout);
    // prose and flag rows fit 80 columns (example command lines are kept whole)
    for (const line of h.stdout.split('\n').filter((l) => !/^ {2}luxops |^Usage: /.test(l))) assert.ok(line.length <= 80, line);
    const w = await v.run(['rlp-import', ...minimal, '--check'], { LUXOPS_BASE_ULR: 'x', LUXOPS_RETRIES: '3' });
    assert.equal(w.code, 0, w.stderr);
    assert.equal(JSON.parse(w.stdout).config.retries, 3);
    const warns = w.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(warns.map((l) => [l.level, l.code]), [['warn', 'W_UNKNOWN_ENV'], ['warn', 'W_DEPRECATED_ENV']]);
    assert.match(String(warns[0]!.msg), /LUXOPS_BASE_ULR \(did you mean LUXOPS_RLP_IMPORT_BASE_URL\?\)/);
  });

  test(`${v.label}: a symlink named like a command runs it (longest suffix)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'luxops-link-'));
    const link = join(dir, 'lux-rlp-import');
    symlinkSync(v.label === 'sea' ? BINARIES.sea : BINARIES.cjs, link);
    const r = v.label === 'sea'
      ? await runBin(link, ['--help'], { env: { PATH: '/nonexistent' } })
      : await runBin(process.execPath, [link, '--help'], { env: { PATH: process.env.PATH ?? '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: luxops rlp-import /);
  });
}

test('./dist/luxops.cjs runs directly through its shebang', async () => {
  const r = await runBin(BINARIES.cjs, ['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${version}\n`);
});

test('per-utility bundle takes the same flags', async () => {
  const r = await runBin(process.execPath, [join(ROOT, 'dist/bin/rlp-import.cjs'), ...minimal, '--check', '--concurrency', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).config.concurrency, 3);
  const h = await runBin(process.execPath, [join(ROOT, 'dist/bin/rlp-import.cjs'), '--help']);
  assert.match(h.stdout, /^Usage: luxops rlp-import /);
});

test('single executable: utility chunks load from their build-time V8 code cache, nested chunks too', { skip: !existsSync(BINARIES.sea) }, async () => {
  const env = { ...process.env, LUXOPS_DEBUG_CHUNKS: '1' };
  const st = await runBin(BINARIES.sea, ['startup', '--help'], { env });
  assert.equal(st.code, 0, st.stderr);
  assert.deepEqual(JSON.parse(st.stderr.trim().split('\n').at(-1)!).chunks, { 'luxops:startup/command.cjs': 'code-cache' });
  // the .cjs bundle runs on whatever node starts it (no code cache), so it compiles from source
  const cjs = await runBin(process.execPath, [BINARIES.cjs, 'startup', '--help'], { env });
  assert.deepEqual(JSON.parse(cjs.stderr.trim().split('\n').at(-1)!).chunks, { 'luxops:startup/command.cjs': 'source' });
  // an s3:// source is a chunk inside rlp-import's chunk, loaded when used (here: up to a refused HEAD)
  const dir = mkdtempSync(join(tmpdir(), 'chunks-'));
  const rlp = await runBin(BINARIES.sea, ['rlp-import', '--base-url', 's3://b/p', '--s3-endpoint', 'http://127.0.0.1:9', '--file', 'x.rlp', '--dest-dir', dir, '--download-only', '--retries', '0'], {
    env: { ...env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    timeoutMs: 30_000,
  });
  assert.equal(rlp.code, 1);
  assert.deepEqual(JSON.parse(rlp.stderr.trim().split('\n').at(-1)!).chunks, { 'luxops:rlp-import/command.cjs': 'code-cache', 'luxops:objects/s3-source.cjs': 'code-cache' });
});

for (const v of [...variants, { label: 'bin/startup.cjs', run: (args: string[], env: Record<string, string> = {}) => runBin(process.execPath, [join(ROOT, 'dist/bin/startup.cjs'), ...args.slice(1)], { env: { PATH: process.env.PATH ?? '', ...env } }) }]) {
  test(`${v.label}: the supervisor's steady state loads no TLS, crypto, worker threads, assert (its 60 MB budget)`, async () => {
    // a whole run: spawn, logger, status server, luxd exiting; the debug line lists the builtins loaded
    const r = await v.run(['startup', '--status-listen', '127.0.0.1:0', '--api-url', 'http://127.0.0.1:9', '--health-timeout', '2s', '--', '/bin/sleep', '0.3'], { LUXOPS_DEBUG_CHUNKS: '1' });
    assert.equal(r.code, 0, r.stderr);
    const debug = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { builtins: string[] };
    assert.ok(debug.builtins.includes('http') && debug.builtins.includes('child_process'), debug.builtins.join(' '));
    // (the .cjs bundles inflate their brotli chunks with node:zlib; the single executable's are plain assets)
    for (const heavy of ['tls', 'https', 'crypto', 'worker_threads', 'assert', 'module', 'http2', ...(v.label === 'sea' ? ['zlib'] : [])]) assert.ok(!debug.builtins.includes(heavy), `${heavy} loaded: ${debug.builtins.join(' ')}`);
    assert.ok(r.stderr.includes('"level":"info"'), 'pino logged');
  });
}

/** A node on PATH older than the bundles accept (Debian's Node 20 on the dev machine), if any. */
function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const node = join(dir, 'node');
    if (!dir || node === process.execPath || !existsSync(node)) continue;
    const v = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major = 0, minor = 0] = v.split('.').map(Number);
    if (major > 0 && (major < 22 || (major === 22 && minor < 19))) return node;
  }
  return undefined;
}

test('cjs on a Node older than 22.19: one line saying what is needed, exit 1', { skip: olderNode() ? false : 'no node older than 22.19 on PATH' }, async () => {
  const r = await runBin(olderNode()!, [BINARIES.cjs, '--version']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^luxops: needs Node\.js >= 22\.19\.0, this is v\d+\.\d+\.\d+ \(the single executable dist\/luxops brings its own Node\)\n$/);
  assert.equal(r.stdout, '');
});
