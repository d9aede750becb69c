#!/usr/bin/env node
// Benchmark: .tar.zst vs .tar.gz snapshots, made by `luxops snapshot-create` and restored by
// `luxops restore-snapshot` (both the built single executable), over HTTP from 127.0.0.1. The data
// dir mixes incompressible files (luxd's databases store snappy/zstd-compressed blocks) with a share
// of compressible ones (logs, manifests, JSON). snapshot-create uploads each archive with a PUT to a
// small store in this process, which writes it into the directory test/fixtures/fault-server.mjs (a
// separate process) serves to restore-snapshot. Rounds are interleaved (gz, zst, gz, zst...), each
// restore starts from an empty data dir, medians are the headline. Prints, per format: archive size,
// create time, restore time and peak RSS, and the ratio zstd/gzip (baseline: gzip, the format the chart
// and restore-snapshot supported before).
// Needs dist/luxops (node build.mjs) and /usr/bin/time.
// Usage: node bench/snapshot-formats.mjs [--mib 512] [--compressible 25] [--rounds 5] [--keep]
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createWriteStream, existsSync, mkdirSync, openSync, closeSync, writeSync, readFileSync, rmSync, statSync, renameSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const MIB = Number(opt('--mib', '512'));
const COMPRESSIBLE = Number(opt('--compressible', '25')) / 100;
const ROUNDS = Number(opt('--rounds', '5'));
const bin = join(root, 'dist/luxops');
if (!existsSync(bin)) throw new Error('dist/luxops missing: run node build.mjs first');

const work = join(root, 'bench/.work', 'snapshot-formats');
const served = join(work, 'served');
const src = join(work, 'src');
const out = join(work, 'out');
let server;
let store;
process.on('exit', () => {
  server?.kill('SIGKILL');
  store?.close();
  rmSync(out, { recursive: true, force: true });
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

/** A data dir: 64 MiB / 16 MiB / 2 MiB / 64 KiB files, `COMPRESSIBLE` of the bytes text-like. */
function makeSource() {
  if (existsSync(join(src, '.done'))) return;
  rmSync(src, { recursive: true, force: true });
  const total = MIB << 20;
  const sizes = [64 << 20, 16 << 20, 2 << 20, 2 << 20, 64 << 10];
  const text = Buffer.from(Array.from({ length: 4096 }, (_, i) => `{"block":${i},"hash":"0x${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}","ok":true}\n`).join(''));
  const buf = Buffer.allocUnsafe(4 << 20);
  let made = 0;
  let compressible = 0;
  for (let i = 0; made < total; i++) {
    const size = Math.min(sizes[i % sizes.length], total - made);
    const isText = compressible < made * COMPRESSIBLE || (made === 0 && COMPRESSIBLE > 0 && i % 4 === 3);
    const dir = join(src, 'chainData', 'network-1', 'C', isText ? 'logs' : 'db', String(Math.floor(i / 64)));
    mkdirSync(dir, { recursive: true });
    const fd = openSync(join(dir, `${String(i).padStart(6, '0')}.${isText ? 'log' : 'sst'}`), 'w');
    for (let left = size; left > 0; ) {
      const n = Math.min(left, buf.length);
      if (isText) for (let o = 0; o < n; o += text.length) text.copy(buf, o, 0, Math.min(text.length, n - o));
      else randomFillSync(buf, 0, n);
      writeSync(fd, buf, 0, n);
      left -= n;
    }
    closeSync(fd);
    made += size;
    if (isText) compressible += size;
  }
  writeSync(openSync(join(src, '.done'), 'w'), '');
}

/** PUT -> a file in `served` (written to a temp name, renamed when complete). */
function startStore() {
  return new Promise((resolve) => {
    const s = createServer((req, res) => {
      if (req.method !== 'PUT') return res.writeHead(405).end();
      const name = decodeURIComponent(req.url.split('?')[0]).replace(/^\/+/, '');
      if (!/^[\w.-]+$/.test(name)) return res.writeHead(400).end();
      const tmp = join(served, `.${name}.part`);
      pipeline(req, createWriteStream(tmp)).then(
        () => {
          renameSync(tmp, join(served, name));
          res.writeHead(201).end();
        },
        () => res.writeHead(500).end(),
      );
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

async function startServer() {
  const portFile = join(work, `port-${Date.now()}`);
  server = spawn(process.execPath, [join(root, 'test/fixtures/fault-server.mjs'), '--dir', served, '--port-file', portFile], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(portFile); i++) await sleep(50);
  return `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
}

/** Run the executable under /usr/bin/time: wall ms and peak RSS (KiB). */
function timed(argv) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-f', '%M', bin, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    p.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`${argv[0]} exited ${code}: ${err.slice(-1500)}`));
      const lines = err.trim().split('\n');
      resolve({ ms, rssKiB: Number(lines[lines.length - 1]), log: lines.slice(0, -1) });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

mkdirSync(served, { recursive: true });
makeSource();
store = await startStore();
const putBase = `http://127.0.0.1:${store.address().port}`;
const getBase = await startServer();
const formats = ['tar.gz', 'tar.zst'];
const r = Object.fromEntries(formats.map((f) => [f, { create: [], createRss: [], restore: [], restoreRss: [], size: 0, sha256: '' }]));

// archives: created once per round too (compression speed), the last one is restored
for (let round = 0; round < Math.max(1, Math.min(ROUNDS, 3)); round++) {
  for (const f of formats) {
    const c = await timed(['snapshot-create', '--data-dir', src, '--exclude', '.done', '--to', `${putBase}/snap.${f}`]);
    r[f].create.push(c.ms);
    r[f].createRss.push(c.rssKiB);
    const done = c.log.map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((l) => l.msg === 'snapshot created');
    r[f].size = statSync(join(served, `snap.${f}`)).size;
    r[f].sha256 = done.sha256;
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const f of formats) {
    rmSync(out, { recursive: true, force: true });
    spawn('sync').on('close', () => undefined);
    await sleep(200);
    const x = await timed(['restore-snapshot', '--url', `${getBase}/snap.${f}`, '--data-dir', out, '--sha256', r[f].sha256]);
    r[f].restore.push(x.ms);
    r[f].restoreRss.push(x.rssKiB);
  }
}

const raw = MIB << 20;
console.log(`data: ${MIB} MiB in files, ${Math.round(COMPRESSIBLE * 100)}% text-like; rounds: create ${r['tar.gz'].create.length}, restore ${ROUNDS} (interleaved, medians)`);
for (const f of formats) {
  const x = r[f];
  console.log(`${f.padEnd(8)} archive ${(x.size / 2 ** 20).toFixed(1).padStart(7)} MiB (${((x.size / raw) * 100).toFixed(1)}% of the data)  create ${(median(x.create) / 1000).toFixed(2).padStart(6)} s  peak RSS ${(median(x.createRss) / 1024).toFixed(0)} MiB   restore ${(median(x.restore) / 1000).toFixed(2).padStart(6)} s  peak RSS ${(median(x.restoreRss) / 1024).toFixed(0)} MiB  (${x.restore.map((v) => (v / 1000).toFixed(2)).join(', ')})`);
}
const ratio = (k) => median(r['tar.zst'][k]) / median(r['tar.gz'][k]);
console.log(`zstd / gzip: restore time ${ratio('restore').toFixed(2)}x, create time ${ratio('create').toFixed(2)}x, archive size ${(r['tar.zst'].size / r['tar.gz'].size).toFixed(2)}x`);
// the store's keep-alive sockets and the served fault server would keep this process alive: the
// exit handler above closes and removes everything
process.exit(0);
