#!/usr/bin/env node
// Benchmark: `luxops restore-snapshot` vs the chart's way, `curl -s URL | tar -xzf - -C DIR` then
// `sync`, on .tar.gz archives of incompressible files (1 GiB and 4 GiB of content, a data dir's mix
// of file sizes) served from 127.0.0.1 by test/fixtures/fault-server.mjs (a separate process, the
// same server for both contenders). luxops runs with every safety check on (--sha256, end-of-archive
// and entry checks, symlink resolution, fsync of the tree before the marker) and its default
// --concurrency 4. Each run starts from an empty, synced data dir; rounds are interleaved and the
// medians are the headline. Prints: unthrottled ratio (target <= 1.1x), throttled 40 MB/s per
// connection speedup (target >= 3x), 4 GiB / 1 GiB time (target <= 4.4) and peak RSS (<= 150 MB, flat).
// Needs dist/luxops (node build.mjs), curl, GNU tar, gzip and /usr/bin/time.
// Usage: node bench/restore.mjs [--rounds 5] [--big-rounds 3] [--throttle-mbps 40] [--only 1g|4g|throttled] [--keep]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, readFileSync, existsSync, statSync, readdirSync, openSync, writeSync, readSync, closeSync } from 'node:fs';
import { createHash, randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const ROUNDS = Number(opt('--rounds', '5'));
const BIG_ROUNDS = Number(opt('--big-rounds', '3'));
const THROTTLE = Number(opt('--throttle-mbps', '40')) * 1e6;
const ONLY = opt('--only', undefined);
const GiB = 2 ** 30;
const bin = join(root, 'dist/luxops');
if (!existsSync(bin)) throw new Error('dist/luxops missing: run node build.mjs first');

const work = join(root, 'bench/.work', 'restore');
const served = join(work, 'served');
const out = join(work, 'out');
mkdirSync(served, { recursive: true });
let server;
process.on('exit', () => {
  server?.kill('SIGKILL');
  rmSync(out, { recursive: true, force: true });
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

// a data dir's mix: a few large files, many mid-sized ones (SSTs), some small ones
const SIZES = [64 << 20, 16 << 20, 4 << 20, 4 << 20, 1 << 20, 256 << 10, 64 << 10, 4 << 10];

/** `name.tar.gz` with `total` bytes of random file content (cached in bench/.work with --keep). */
function archive(name, total) {
  const tgz = join(served, `${name}.tar.gz`);
  if (existsSync(tgz) && existsSync(`${tgz}.sha256`)) return { path: tgz, sha256: readFileSync(`${tgz}.sha256`, 'utf8').trim(), size: statSync(tgz).size };
  const src = join(work, `src-${name}`);
  rmSync(src, { recursive: true, force: true });
  let made = 0;
  const buf = Buffer.allocUnsafe(4 << 20);
  for (let i = 0; made < total; i++) {
    const size = Math.min(SIZES[i % SIZES.length], total - made);
    const dir = join(src, 'db', String(Math.floor(i / 64)).padStart(3, '0'));
    mkdirSync(dir, { recursive: true });
    const fd = openSync(join(dir, `${String(i).padStart(6, '0')}.sst`), 'w');
    for (let left = size; left > 0; left -= Math.min(left, buf.length)) writeSync(fd, randomFillSync(buf), 0, Math.min(left, buf.length));
    closeSync(fd);
    made += size;
  }
  const r = spawnSync('/bin/sh', ['-c', `tar -cf - -C ${src} . | gzip -1 > ${tgz}`], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tar | gzip failed');
  rmSync(src, { recursive: true, force: true });
  const h = createHash('sha256');
  const fd = openSync(tgz, 'r');
  const rb = Buffer.allocUnsafe(8 << 20);
  for (let n; (n = readSync(fd, rb, 0, rb.length, null)) > 0; ) h.update(rb.subarray(0, n));
  closeSync(fd);
  const sha256 = h.digest('hex');
  spawnSync('/bin/sh', ['-c', `echo ${sha256} > ${tgz}.sha256`]);
  return { path: tgz, sha256, size: statSync(tgz).size };
}

async function startServer(throttleBps) {
  server?.kill('SIGTERM');
  const portFile = join(work, `port-${Date.now()}`);
  server = spawn(process.execPath, [join(root, 'test/fixtures/fault-server.mjs'), '--dir', served, '--port-file', portFile, ...(throttleBps ? ['--throttle-bps', String(throttleBps)] : [])], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(portFile); i++) await sleep(50);
  return `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
}

/** A fresh, empty data dir with nothing dirty left from the run before. */
function freshDir() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  spawnSync('sync');
  return out;
}

/** Run under GNU time: wall seconds, peak RSS (KiB), CPU seconds. */
function timed(cmd, argv) {
  const stats = join(work, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', stats, '-f', '%e %M %U %S', cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${String(r.stderr).slice(-2000)}`);
  const [e, m, u, s] = readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-4).map(Number);
  return { wall: e, rssKiB: m, cpu: u + s };
}

function baseline(url, name) {
  const dir = freshDir();
  return timed('/bin/sh', ['-c', `curl -sSf ${url}/${name}.tar.gz | tar -xzf - -C ${dir} && sync`]);
}

function luxops(url, a, extra = []) {
  const dir = freshDir();
  return timed(bin, ['restore-snapshot', '--url', `${url}/${a.name}.tar.gz`, '--data-dir', dir, '--sha256', a.sha256, '--log-level', 'warn', ...extra]);
}

/** The restored tree equals the baseline's: same files, same sizes, same bytes (sampled by hash). */
function checkTree(url, a) {
  const dir = freshDir();
  spawnSync('/bin/sh', ['-c', `curl -sSf ${url}/${a.name}.tar.gz | tar -xzf - -C ${dir}`]);
  const list = (d) => readdirSync(d, { recursive: true }).filter((p) => p !== '.restore-snapshot.done' && statSync(join(d, p)).isFile()).sort();
  const digest = (d) => {
    const h = createHash('sha256');
    for (const p of list(d)) h.update(p).update(readFileSync(join(d, p)));
    return h.digest('hex');
  };
  const want = digest(dir);
  luxops(url, a);
  const got = digest(out);
  const extra = readdirSync(out).filter((n) => n !== 'db' && n !== '.restore-snapshot.done');
  if (got !== want || extra.length > 0) throw new Error(`luxops restored a different tree (${got} vs ${want}; extra ${extra})`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const t0 = Date.now();
const one = { name: 'snap-1g', ...archive('snap-1g', GiB) };
const four = ONLY === undefined || ONLY === '4g' ? { name: 'snap-4g', ...archive('snap-4g', 4 * GiB) } : undefined;
console.log(`archives: 1 GiB content -> ${(one.size / GiB).toFixed(3)} GiB .tar.gz${four ? `, 4 GiB content -> ${(four.size / GiB).toFixed(3)} GiB` : ''} (${((Date.now() - t0) / 1000).toFixed(0)}s); node ${process.version}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);

let url = await startServer(0);
checkTree(url, one);
console.log('tree check: luxops restored the same files and bytes as curl | tar');
const fmt = (xs) => xs.map((x) => x.toFixed(2)).join(' / ');
let luxMedian1;
let baseMedian1;
let rss1;
if (ONLY === undefined || ONLY === '1g' || ONLY === '4g') {
  const rounds = Array.from({ length: ROUNDS }, () => ({ base: baseline(url, one.name), lux: luxops(url, one) }));
  const b = median(rounds.map((r) => r.base.wall));
  baseMedian1 = b;
  luxMedian1 = median(rounds.map((r) => r.lux.wall));
  rss1 = Math.max(...rounds.map((r) => r.lux.rssKiB));
  console.log(`unthrottled 1 GiB (${ROUNDS} interleaved rounds, wall s): curl|tar+sync ${fmt(rounds.map((r) => r.base.wall))}; luxops ${fmt(rounds.map((r) => r.lux.wall))}`);
  console.log(`  ratio luxops/baseline: median ${(luxMedian1 / b).toFixed(2)}x (target <= 1.1x); CPU median curl|tar ${median(rounds.map((r) => r.base.cpu)).toFixed(2)}s (tar+gzip, not curl's), luxops ${median(rounds.map((r) => r.lux.cpu)).toFixed(2)}s; luxops peak RSS ${(rss1 / 1024).toFixed(0)} MiB`);
}
if (four && luxMedian1 !== undefined) {
  const rounds = Array.from({ length: BIG_ROUNDS }, () => ({ base: baseline(url, four.name), lux: luxops(url, four) }));
  const b = median(rounds.map((r) => r.base.wall));
  const l = median(rounds.map((r) => r.lux.wall));
  const rss4 = Math.max(...rounds.map((r) => r.lux.rssKiB));
  console.log(`unthrottled 4 GiB (${BIG_ROUNDS} interleaved rounds, wall s): curl|tar+sync ${fmt(rounds.map((r) => r.base.wall))}; luxops ${fmt(rounds.map((r) => r.lux.wall))}`);
  console.log(`  ratio luxops/baseline: median ${(l / b).toFixed(2)}x; linear: luxops 4 GiB / 1 GiB = ${(l / luxMedian1).toFixed(2)} (target <= 4.4; the baseline's own: ${(b / baseMedian1).toFixed(2)})`);
  console.log(`  peak RSS: ${(rss1 / 1024).toFixed(0)} MiB at 1 GiB vs ${(rss4 / 1024).toFixed(0)} MiB at 4 GiB (target <= 150 MB = 143 MiB, flat)`);
}
if (ONLY === undefined || ONLY === 'throttled') {
  url = await startServer(THROTTLE);
  const rounds = Array.from({ length: Math.max(1, Math.min(ROUNDS, 3)) }, () => ({ base: baseline(url, one.name), lux: luxops(url, one, ['--concurrency', '4']) }));
  const b = median(rounds.map((r) => r.base.wall));
  const l = median(rounds.map((r) => r.lux.wall));
  console.log(`throttled ${THROTTLE / 1e6} MB/s per connection, 1 GiB (wall s): curl|tar+sync ${fmt(rounds.map((r) => r.base.wall))}; luxops --concurrency 4 ${fmt(rounds.map((r) => r.lux.wall))}`);
  console.log(`  speedup baseline/luxops: median ${(b / l).toFixed(2)}x (target >= 3x)`);
}
console.log(`total bench time ${((Date.now() - t0) / 1000).toFixed(0)}s`);
process.exit(0);
