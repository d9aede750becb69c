#!/usr/bin/env node
// The anti-abuse bars of issue #17, measured in one run on this machine, against one anvil (chain
// 96369, interval mining), faucets run from dist/luxops.cjs:
//   1. a bot without the page (a plain HTTP POST /drip loop from one IP): how many drips it gets with
//      --ip-limit 3/24h and no PoW (at most the limit), and with --pow-difficulty 20 (none);
//   2. PoW at 20 bits: CPU a solving bot spends per drip (the project's node:crypto solver, and the
//      page's worker code run in node) vs what the server spends verifying one solution (PowGuard.verify,
//      the code the server runs), printed as a ratio; plus `openssl speed` as a native-code reference;
//   3. throughput of legitimate solved drips with every protection on (PoW, --daily-budget, deny +
//      allow lists of 10 000 entries each, --refuse-contracts) vs the same faucet with none (today's
//      bench/faucet.mjs setup: limits off, distinct addresses, concurrency 32), alternating rounds.
//      Solutions are made at --solve-bits (default 8) so that thousands can be pre-solved: the server's
//      cost does not depend on the difficulty (one HMAC + one SHA-256 either way).
// Usage: node bench/faucet-guards.mjs [--drips 1200] [--concurrency 32] [--bot-solves 8] [--solve-bits 8] [--block-time 1]
// Needs dist/ (node build.mjs) and node_modules/@foundry-rs/anvil. Talks only to 127.0.0.1.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { loadavg } from 'node:os';
import { Pool } from 'undici';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { register } from 'tsx/esm/api';

// the PoW code is used from the TypeScript sources (the same code the bundle carries)
register();
const { PowGuard, solvePow } = await import('../src/faucet/pow.ts');
const { WORKER } = await import('../src/faucet/pow-worker.ts');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, def) => (process.argv.includes(`--${name}`) ? Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) : def);
const DRIPS = arg('drips', 1200);
const CONC = arg('concurrency', 32);
const BOT_SOLVES = arg('bot-solves', 8);
const SOLVE_BITS = arg('solve-bits', 8);
const BLOCK_TIME = arg('block-time', 1);
// --only pow|budget|lists|contracts: part 3 with that one protection (to see what each costs); --skip-bot: parts 1-2 off
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const SKIP_BOT = process.argv.includes('--skip-bot');
// --without NAME: part 3 with every protection but that one
const WITHOUT = process.argv.includes('--without') ? process.argv[process.argv.indexOf('--without') + 1] : undefined;
// anvil's public dev keys #5.. (bench/faucet.mjs uses the same ones)
const KEYS = [
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
];
const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];
const work = join(ROOT, 'bench', '.work', `guards-${process.pid}`);

async function waitHttp(url, body) {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(url, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body } : undefined);
      await r.text();
      return;
    } catch { await sleep(100); }
  }
  throw new Error(`${url} did not answer in 30s`);
}

async function faucet(rpcUrl, key, extra) {
  const port = await freePort();
  const keyFile = join(work, `key-${port}`);
  writeFileSync(keyFile, key, { mode: 0o600 });
  const c = spawn(process.execPath, [join(ROOT, 'dist/luxops.cjs'), 'faucet', '--rpc-url', rpcUrl, '--listen', `127.0.0.1:${port}`, '--key-file', keyFile, '--log-level', 'error', ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(c);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/health`);
  return { url, pid: c.pid };
}

async function load(total, conc, job) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => { for (let i = next++; i < total; i = next++) await job(i); }));
  return (performance.now() - t0) / 1000;
}

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 10 ms). */
const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
/** Run `fn` and add the wall time and the faucet process's CPU time to `acc[key]`. */
async function measured(acc, key, pid, fn) {
  const c0 = cpuOf(pid);
  const wall = await fn();
  acc.wall[key] += wall;
  acc.cpu[key] += cpuOf(pid) - c0;
}

const post = (pool, body) => pool.request({ path: '/drip', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.statusCode, json: await r.body.json() }));
const newAddr = () => privateKeyToAccount(generatePrivateKey()).address;

async function main() {
  const anvilBin = join(ROOT, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');
  if (!existsSync(anvilBin)) throw new Error(`anvil not found at ${anvilBin}`);
  if (!existsSync(join(ROOT, 'dist/luxops.cjs'))) throw new Error('dist/luxops.cjs missing: run node build.mjs');
  mkdirSync(work, { recursive: true });
  const anvilPort = await freePort();
  const rpcUrl = `http://127.0.0.1:${anvilPort}`;
  children.push(spawn(anvilBin, ['--host', '127.0.0.1', '--port', String(anvilPort), '--chain-id', '96369', '--silent', ...(BLOCK_TIME > 0 ? ['--block-time', String(BLOCK_TIME), '--gas-limit', '3000000000'] : [])], { stdio: 'ignore' }));
  await waitHttp(rpcUrl, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}');
  const out = [];

  if (!SKIP_BOT) await botParts(rpcUrl, out);
  await throughput(rpcUrl, out);
  console.log(`faucet guards bench (node ${process.version}, ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(', ')})\n${out.join('\n')}`);
}

async function botParts(rpcUrl, out) {
  // --- 1. a bot without the page
  const limited = await faucet(rpcUrl, KEYS[2], ['--ip-limit', '3/24h', '--address-limit', 'off']);
  const powOnly = await faucet(rpcUrl, KEYS[3], ['--pow-difficulty', '20']);
  const bot = async (url) => {
    const pool = new Pool(url, { connections: 4 });
    const counts = {};
    for (let i = 0; i < 200; i++) {
      const r = await post(pool, { address: newAddr() });
      counts[r.status] = (counts[r.status] ?? 0) + 1;
    }
    await pool.close();
    return counts;
  };
  const botLimited = await bot(limited.url);
  const botPow = await bot(powOnly.url);
  out.push(`1. bot without the page, 200 POST /drip from one IP: --ip-limit 3/24h -> ${JSON.stringify(botLimited)} (drips = status 200: ${botLimited[200] ?? 0}, bar <= 3); --pow-difficulty 20 -> ${JSON.stringify(botPow)} (drips: ${botPow[200] ?? 0})`);

  // --- 2. PoW 20 bits: the solving bot's CPU vs the server's verification
  const key = randomBytes(32);
  const guard = new PowGuard({ key, difficulty: 20, ttlMs: 3_600_000, maxTracked: 1_000_000, now: Date.now });
  const addr = newAddr();
  const solved = [];
  let attempts = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < BOT_SOLVES; i++) {
    const c = guard.issue(addr);
    const s = solvePow(c.seed, 20);
    attempts += s.attempts;
    solved.push({ c, nonce: String(s.nonce) });
  }
  const cpu = process.cpuUsage(cpu0);
  const botCpuS = (cpu.user + cpu.system) / 1e6 / BOT_SOLVES;
  const botWallS = (performance.now() - wall0) / 1000 / BOT_SOLVES;
  // the page's worker code (same source the browser runs) in this Node
  const sandbox = { module: { exports: {} } };
  runInNewContext(WORKER, sandbox);
  const w0 = process.cpuUsage();
  let wAttempts = 0;
  for (let i = 0; i < Math.max(2, BOT_SOLVES / 2); i++) wAttempts += sandbox.module.exports.solve(randomBytes(32).toString('hex'), 20, () => {}) + 1;
  const w = process.cpuUsage(w0);
  const workerNsPerHash = ((w.user + w.system) * 1000) / wAttempts;
  // the server: 20 000 cheap solutions (same cost per call: one HMAC + one SHA-256) for a stable mean, which
  // also warms the code up as a running server's is, then the bot's 20-bit solutions one by one (worst of them too)
  const cheap = new PowGuard({ key, difficulty: 1, ttlMs: 3_600_000, maxTracked: 1_000_000, now: Date.now });
  const many = Array.from({ length: 20000 }, () => { const c = cheap.issue(addr); return { c, nonce: String(solvePow(c.seed, 1).nonce) }; });
  const v1 = process.hrtime.bigint();
  for (const { c, nonce } of many) if (!cheap.verify(addr, c.challenge, nonce).ok) throw new Error('refused');
  const verifyUs = Number(process.hrtime.bigint() - v1) / 1000 / many.length;
  // CPU time per call (a wall clock would also count the time the OS gave other processes: the machine is shared)
  const each = solved.map(({ c, nonce }) => {
    const t0 = process.cpuUsage();
    if (!guard.verify(addr, c.challenge, nonce).ok) throw new Error('bot solution refused');
    const d = process.cpuUsage(t0);
    return d.user + d.system;
  });
  const verify20Us = each.reduce((a, b) => a + b, 0) / each.length;
  const verify20Max = Math.max(...each);
  let native = 'openssl not found';
  try {
    const o = execFileSync('openssl', ['speed', '-seconds', '2', '-bytes', '40', 'sha256'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const kbps = Number(/^sha256\s+([\d.]+)k/m.exec(o)?.[1]);
    const perS = (kbps * 1000) / 40;
    native = `openssl (native, SHA extensions) ${(perS / 1e6).toFixed(2)} M hash/s -> ~${(2 ** 20 / perS).toFixed(2)} s per 20-bit drip`;
  } catch { /* keep the note */ }
  out.push(
    `2. PoW 20 bits (expected 2^20 = 1.05 M hashes per drip): bot with the node:crypto solver ${((cpu.user + cpu.system) * 1000 / attempts).toFixed(0)} ns CPU/hash -> ${(((cpu.user + cpu.system) / 1e6 / attempts) * 2 ** 20).toFixed(2)} s CPU per drip expected; measured ${botCpuS.toFixed(2)} s CPU (${botWallS.toFixed(2)} s wall) per drip over ${BOT_SOLVES} solves (${(attempts / BOT_SOLVES / 1e6).toFixed(2)} M hashes avg)`,
    `   the page's worker code (run in node): ${workerNsPerHash.toFixed(0)} ns/hash -> ${((workerNsPerHash * 2 ** 20) / 1e9).toFixed(2)} s per 20-bit drip`,
    `   server verify: ${verifyUs.toFixed(1)} us mean over 20000 (bot's ${solved.length} 20-bit solutions one by one, CPU time: mean ${verify20Us.toFixed(1)} us, max ${verify20Max.toFixed(1)} us); bar: bot >= 0.5 s, server < 1 ms; ratio bot CPU (expected) / server verify = ${Math.round(((((cpu.user + cpu.system) / attempts) * 2 ** 20) / verifyUs)).toLocaleString('en')}x`,
    `   reference: ${native}`,
  );

}

async function throughput(rpcUrl, out) {
  // --- 3. throughput: every protection on vs none
  const deny = join(work, 'deny.list');
  const allow = join(work, 'allow.list');
  const lines = (n, f) => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';
  writeFileSync(deny, lines(5000, () => newAddr()) + lines(5000, (i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`));
  writeFileSync(allow, lines(5000, () => newAddr()) + lines(5000, (i) => `172.16.${(i >> 8) & 255}.${i & 255}`));
  const plain = await faucet(rpcUrl, KEYS[0], ['--ip-limit', 'off', '--address-limit', 'off']);
  const protections = {
    pow: ['--pow-difficulty', String(SOLVE_BITS)],
    budget: ['--daily-budget', '1000000'],
    lists: ['--deny-list', deny, '--allow-list', allow],
    contracts: ['--refuse-contracts'],
  };
  const on = ONLY ? { [ONLY]: protections[ONLY] } : Object.fromEntries(Object.entries(protections).filter(([k]) => k !== WITHOUT));
  const label = ONLY ? `only ${ONLY}` : WITHOUT ? `every protection but ${WITHOUT}` : 'every protection';
  const powOn = 'pow' in on;
  const guarded = await faucet(rpcUrl, KEYS[1], ['--ip-limit', 'off', '--address-limit', 'off', ...Object.values(on).flat()]);
  // page weight: the page as served with these protections (most policy lines) plus the PoW worker
  const html = await (await fetch(`${guarded.url}/`)).text();
  const worker = await (await fetch(`${guarded.url}/pow-worker.js`)).text();
  const external = (html.match(/(?:src|href)=["']?(?:https?:)?\/\//gi) ?? []).length;
  const pageBytes = Buffer.byteLength(html);
  const workerBytes = Buffer.byteLength(worker);
  const pageLine = `4. page weight: ${pageBytes} B page + ${workerBytes} B worker (fetched only when solving) = ${pageBytes + workerBytes} B (bar <= ${30 * 1024} B); external references in the page: ${external}`;
  const plainPool = new Pool(plain.url, { connections: CONC });
  const guardPool = new Pool(guarded.url, { connections: CONC });
  const ROUNDS = 4;
  const per = Math.ceil(DRIPS / ROUNDS);
  const acc = { wall: { plain: 0, guarded: 0, flow: 0 }, cpu: { plain: 0, guarded: 0, flow: 0 } };
  const t = acc.wall;
  const ok = { plain: 0, guarded: 0, flow: 0 };
  const fail = {};
  for (let round = 0; round < ROUNDS; round++) {
    const a = Array.from({ length: per }, newAddr);
    await measured(acc, 'plain', plain.pid, () => load(per, CONC, async (i) => { const r = await post(plainPool, { address: a[i] }); if (r.status === 200) ok.plain++; else fail[`plain ${r.status}`] = (fail[`plain ${r.status}`] ?? 0) + 1; }));
    // pre-solved challenges (a browser solves before it posts): the drip path with every check
    const b = Array.from({ length: per }, newAddr);
    const sols = [];
    for (const addr of b) {
      if (!powOn) {
        sols.push({ address: addr });
        continue;
      }
      const c = await (await guardPool.request({ path: `/challenge?address=${addr}`, method: 'GET' })).body.json();
      sols.push({ address: addr, challenge: c.challenge, nonce: String(solvePow(c.seed, c.difficulty).nonce) });
    }
    await measured(acc, 'guarded', guarded.pid, () => load(per, CONC, async (i) => { const r = await post(guardPool, sols[i]); if (r.status === 200) ok.guarded++; else fail[`guarded ${r.status}`] = (fail[`guarded ${r.status}`] ?? 0) + 1; }));
    // the whole flow a client does: GET /challenge, solve (at --solve-bits), POST /drip
    if (!powOn) continue;
    const c2 = Array.from({ length: per }, newAddr);
    await measured(acc, 'flow', guarded.pid, () => load(per, CONC, async (i) => {
      const c = await (await guardPool.request({ path: `/challenge?address=${c2[i]}`, method: 'GET' })).body.json();
      const r = await post(guardPool, { address: c2[i], challenge: c.challenge, nonce: String(solvePow(c.seed, c.difficulty).nonce) });
      if (r.status === 200) ok.flow++; else fail[`flow ${r.status}`] = (fail[`flow ${r.status}`] ?? 0) + 1;
    }));
  }
  await plainPool.close();
  await guardPool.close();
  const rate = (k) => ok[k] / t[k];
  const cpuMs = (k) => ((acc.cpu[k] * 1000) / Math.max(1, ok[k])).toFixed(2);
  out.push(
    `3. ${per * ROUNDS} drips per side in ${ROUNDS} alternating rounds, concurrency ${CONC}, anvil ${BLOCK_TIME > 0 ? `--block-time ${BLOCK_TIME}` : 'auto-mining'}:`,
    `   no protections (today's setup):             ${rate('plain').toFixed(0)} drips/s  faucet CPU ${cpuMs('plain')} ms/drip`,
    `   ${label}, ${powOn ? 'pre-solved ' : ''}POST /drip:     ${rate('guarded').toFixed(0)} drips/s  faucet CPU ${cpuMs('guarded')} ms/drip  ratio ${((rate('guarded') / rate('plain')) * 100).toFixed(1)}% (bar >= 80%)`,
    ...(powOn ? [`   ${label}, GET /challenge + solve + POST: ${rate('flow').toFixed(0)} drips/s  faucet CPU ${cpuMs('flow')} ms/drip  ratio ${((rate('flow') / rate('plain')) * 100).toFixed(1)}% (client work included)`] : []),
    `   failures: ${JSON.stringify(fail)}`,
    pageLine,
  );
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
