#!/usr/bin/env node
// Faucet throughput and latency on loopback, one run, one machine:
//   1. drips/s through HTTP (dist/luxops.cjs faucet, limits off, distinct addresses) vs the same
//      transfers signed and sent directly with viem (the ceiling), both against one anvil
//      (auto-mining, chain 96369); afterwards every transaction is checked: mined, unique, and
//      nonces per key consecutive;
//   2. GET /health requests/s (cached balance) vs a bare node:http "hello" server, both run as
//      child processes and driven by the same client loop.
// Usage: node bench/faucet.mjs [--drips 2000] [--concurrency 32] [--health 20000] [--keys 1] [--block-time 1 (0 = auto-mine)]
//                              [--bin PATH (another luxops.cjs)] [--journal (--state-file + limits on)]
//                              [--compare PATH (a baseline luxops.cjs run in the same rounds: prints this build / baseline)]
// Needs dist/ (node build.mjs) and node_modules/@foundry-rs/anvil. Talks only to 127.0.0.1.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createPublicClient, http } from 'viem';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, def) => (process.argv.includes(`--${name}`) ? Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) : def);
const DRIPS = arg('drips', 2000);
const CONC = arg('concurrency', 32);
const HEALTH = arg('health', 10000);
const KEYS = arg('keys', 1);
const BLOCK_TIME = arg('block-time', 1);
// the faucet under test; --compare starts a second one from another build, interleaved round by round
const BIN = process.argv.includes('--bin') ? process.argv[process.argv.indexOf('--bin') + 1] : join(ROOT, 'dist/luxops.cjs');
// --journal: charges go through the --state-file journal (one fdatasync per group of concurrent drips);
// the limits are on but too wide to refuse anything (distinct addresses, one IP)
const JOURNAL = process.argv.includes('--journal');
const COMPARE = process.argv.includes('--compare') ? process.argv[process.argv.indexOf('--compare') + 1] : undefined;
// anvil's public dev keys #1..#9 (#0 is left alone); direct sends use #1..#K, the faucet #5..#5+K-1
const DEV_KEYS = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
];
if (KEYS > 4) throw new Error('--keys at most 4');

const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// CPU time (user + system, ms) a process has used: on a busy shared machine, CPU per request is a
// steadier comparison than wall-clock throughput
const cpuMs = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const children = [];
const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const ms = (x) => `${x.toFixed(2)} ms`;

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

function start(cmd, args, env = {}) {
  const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  children.push(c);
  return c;
}

/** Run `total` jobs with `conc` workers; returns wall seconds and per-job latencies (ms). */
async function load(total, conc, job) {
  let next = 0;
  const lat = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => {
    for (let i = next++; i < total; i = next++) {
      const s = performance.now();
      await job(i);
      lat.push(performance.now() - s);
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, lat };
}

async function main() {
  const anvilBin = join(ROOT, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');
  if (!existsSync(anvilBin)) throw new Error(`anvil not found at ${anvilBin}`);
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: run node build.mjs`);
  const anvilPort = await freePort();
  const rpcUrl = `http://127.0.0.1:${anvilPort}`;
  // --block-time 0 = auto-mining (a block per transaction, inside the send); interval mining by default
  start(anvilBin, ['--host', '127.0.0.1', '--port', String(anvilPort), '--chain-id', '96369', '--silent', ...(BLOCK_TIME > 0 ? ['--block-time', String(BLOCK_TIME), '--gas-limit', '3000000000'] : [])]);
  await waitHttp(rpcUrl, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}');
  const pub = createPublicClient({ transport: http(rpcUrl) });

  const rpc = async (method, params) => (await (await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()).result;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const startOne = async (bin, keys, tag) => {
    const port = await freePort();
    const keysYaml = join(ROOT, '.cache', `bench-faucet-keys-${process.pid}-${tag}.yaml`);
    writeFileSync(keysYaml, keys.map((k) => `- key: ${k}\n`).join(''), { mode: 0o600 });
    const stateFile = join(ROOT, '.cache', `bench-faucet-state-${process.pid}-${tag}.jsonl`);
    const limits = JOURNAL ? ['--ip-limit', '999999/1h', '--address-limit', '999999/1h', '--state-file', stateFile] : ['--ip-limit', 'off', '--address-limit', 'off'];
    const child = start(process.execPath, [bin, 'faucet', '--rpc-url', rpcUrl, '--listen', `127.0.0.1:${port}`, '--keys-file', keysYaml, ...limits, '--log-level', 'warn']);
    try {
      await waitHttp(`http://127.0.0.1:${port}/health`);
    } finally {
      rmSync(keysYaml, { force: true });
    }
    return { url: `http://127.0.0.1:${port}`, pid: child.pid };
  };
  // The faucet (limits off) uses keys #5.., direct sends keys #1..; same count.
  // fresh keys, funded on the throwaway chain (with --compare both faucets get such keys: same footing)
  const freshKeys = async () => {
    const keys = Array.from({ length: KEYS }, () => generatePrivateKey());
    for (const k of keys) await rpc('anvil_setBalance', [privateKeyToAccount(k).address, `0x${(10n ** 24n).toString(16)}`]);
    return keys;
  };
  const main1 = await startOne(BIN, COMPARE ? await freshKeys() : DEV_KEYS.slice(4, 4 + KEYS), 'main');
  const faucetUrl = main1.url;
  let compareUrl;
  let comparePid;
  if (COMPARE) {
    ({ url: compareUrl, pid: comparePid } = await startOne(COMPARE, await freshKeys(), 'compare'));
  }

  const directAccounts = DEV_KEYS.slice(0, KEYS).map((k) => privateKeyToAccount(k));
  const block = await pub.getBlock();
  const tip = await pub.estimateMaxPriorityFeePerGas();
  const fees = { maxFeePerGas: block.baseFeePerGas * 2n + tip, maxPriorityFeePerGas: tip };
  const nonces = await Promise.all(directAccounts.map((a) => pub.getTransactionCount({ address: a.address, blockTag: 'pending' })));
  const pool = new Pool(faucetUrl, { connections: CONC, pipelining: 1 });
  const dripHashes = [];
  let failed = 0;
  const direct = { seconds: 0, lat: [] };
  const viaHttp = { seconds: 0, lat: [], cpuMs: 0 };
  const viaCompare = { seconds: 0, lat: [], ok: 0, failed: 0, cpuMs: 0 };
  const comparePool = compareUrl ? new Pool(compareUrl, { connections: CONC, pipelining: 1 }) : undefined;
  // Rounds alternate direct and HTTP so background load on the machine hits both sides alike.
  const ROUNDS = 4;
  const per = Math.ceil(DRIPS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const recipients = Array.from({ length: per }, () => privateKeyToAccount(generatePrivateKey()).address);
    // direct viem (the ceiling): nonces assigned locally in order, sends pipelined, signed locally and
    // sent raw (the leanest viem path; sendTransaction would add an eth_chainId call per send)
    const d = await load(per, CONC, async (i) => {
      const k = i % KEYS;
      const nonce = nonces[k]++;
      const serializedTransaction = await directAccounts[k].signTransaction({ type: 'eip1559', chainId: 96369, to: recipients[i], value: 10n ** 18n, gas: 21000n, nonce, ...fees });
      await pub.sendRawTransaction({ serializedTransaction });
    });
    direct.seconds += d.seconds;
    direct.lat.push(...d.lat);
    const runMain = async () => {
      const cpu0 = cpuMs(main1.pid);
      const dripTo = Array.from({ length: per }, () => privateKeyToAccount(generatePrivateKey()).address);
      const h = await load(per, CONC, async (i) => {
        const r = await pool.request({ path: '/drip', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: dripTo[i] }) });
        const j = await r.body.json();
        if (r.statusCode === 200) dripHashes.push(j.txHash);
        else failed++;
      });
      viaHttp.seconds += h.seconds;
      viaHttp.lat.push(...h.lat);
      viaHttp.cpuMs += cpuMs(main1.pid) - cpu0;
    };
    const runCompare = async () => {
      const cpu0 = cpuMs(comparePid);
      const to = Array.from({ length: per }, () => privateKeyToAccount(generatePrivateKey()).address);
      const c = await load(per, CONC, async (i) => {
        const r = await comparePool.request({ path: '/drip', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: to[i] }) });
        await r.body.json();
        if (r.statusCode === 200) viaCompare.ok++;
        else viaCompare.failed++;
      });
      viaCompare.seconds += c.seconds;
      viaCompare.lat.push(...c.lat);
      viaCompare.cpuMs += cpuMs(comparePid) - cpu0;
    };
    // with --compare the two builds take turns going first
    if (compareUrl && round % 2 === 1) await runCompare();
    await runMain();
    if (compareUrl && round % 2 === 0) await runCompare();
  }

  // --- verification: every faucet transaction mined, unique, nonces consecutive per key
  const fetchTxs = async () => {
    const out = [];
    for (let i = 0; i < dripHashes.length; i += 200) out.push(...(await Promise.all(dripHashes.slice(i, i + 200).map((h) => rpc('eth_getTransactionByHash', [h])))));
    return out;
  };
  let txs = await fetchTxs();
  // bounded wait for the last blocks to be mined
  for (let i = 0; i < 120 && txs.some((t) => !t || t.blockNumber === null); i++) {
    await sleep(500);
    txs = await fetchTxs();
  }
  const byFrom = new Map();
  let unmined = 0;
  for (const t of txs) {
    if (!t || t.blockNumber === null) { unmined++; continue; }
    byFrom.set(t.from, [...(byFrom.get(t.from) ?? []), Number(t.nonce)]);
  }
  const unknown = txs.filter((t) => !t).length;
  const txpool = await rpc('txpool_status', []);
  const blockNo = Number(await rpc('eth_blockNumber', []));
  let dupOrGap = 0;
  for (const list of byFrom.values()) {
    list.sort((a, b) => a - b);
    for (let i = 1; i < list.length; i++) if (list[i] !== list[i - 1] + 1) dupOrGap++;
  }
  const uniqueHashes = new Set(dripHashes).size;

  // --- 2. GET /health (cached) vs a bare node:http hello server
  const helloPort = await freePort();
  start(process.execPath, ['-e', `require('node:http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain'});s.end('hello')}).listen(${helloPort},'127.0.0.1')`]);
  await waitHttp(`http://127.0.0.1:${helloPort}/`);
  const hammer = async (url) => {
    const { origin, pathname: path } = new URL(url);
    const p = new Pool(origin, { connections: CONC });
    // warm-up, then the measured run
    await load(2000, CONC, async () => { const r = await p.request({ path, method: 'GET' }); await r.body.dump(); });
    let non200 = 0;
    const res = await load(HEALTH, CONC, async () => { const r = await p.request({ path, method: 'GET' }); if (r.statusCode !== 200) non200++; await r.body.dump(); });
    await p.close();
    return { ...res, non200 };
  };
  // alternate hello and health rounds (same reason as above); totals over all rounds
  const hello = { seconds: 0, lat: [] };
  const health = { seconds: 0, lat: [], non200: 0, cpuMs: 0 };
  const compareHealth = { seconds: 0, lat: [], non200: 0, cpuMs: 0 };
  for (let round = 0; round < 3; round++) {
    const a = await hammer(`http://127.0.0.1:${helloPort}/`);
    const hammerCompare = async () => {
      const cc0 = cpuMs(comparePid);
      const c = await hammer(`${compareUrl}/health`);
      compareHealth.cpuMs += cpuMs(comparePid) - cc0;
      compareHealth.seconds += c.seconds;
      compareHealth.lat.push(...c.lat);
      compareHealth.non200 += c.non200;
    };
    if (compareUrl && round % 2 === 1) await hammerCompare();
    const hc0 = cpuMs(main1.pid);
    const b = await hammer(`${faucetUrl}/health`);
    health.cpuMs += cpuMs(main1.pid) - hc0;
    hello.seconds += a.seconds;
    hello.lat.push(...a.lat);
    health.seconds += b.seconds;
    health.lat.push(...b.lat);
    health.non200 += b.non200;
    if (compareUrl && round % 2 === 0) await hammerCompare();
  }
  await pool.close();
  await comparePool?.close();

  const directRate = (per * ROUNDS) / direct.seconds;
  const httpRate = dripHashes.length / viaHttp.seconds;
  const helloRate = (3 * HEALTH) / hello.seconds;
  const healthRate = (3 * HEALTH) / health.seconds;
  const lines = [
    `faucet bench (${BIN === join(ROOT, 'dist/luxops.cjs') ? 'dist/luxops.cjs' : BIN}${JOURNAL ? ', --state-file journal' : ''}): ${per * ROUNDS} transfers per side in ${ROUNDS} alternating rounds, /health x${3 * HEALTH} in 3 rounds, concurrency ${CONC}, ${KEYS} key(s) each side, anvil ${BLOCK_TIME > 0 ? `--block-time ${BLOCK_TIME}` : 'auto-mining'} on loopback (node ${process.version})`,
    `direct viem sends (ceiling): ${directRate.toFixed(0)} tx/s   p50 ${ms(quantile(direct.lat, 0.5))}  p99 ${ms(quantile(direct.lat, 0.99))}`,
    `faucet POST /drip:           ${httpRate.toFixed(0)} drips/s   p50 ${ms(quantile(viaHttp.lat, 0.5))}  p99 ${ms(quantile(viaHttp.lat, 0.99))}`,
    `ratio drip/direct: ${((httpRate / directRate) * 100).toFixed(1)}% (target >= 50%, >= 200 drips/s)`,
    `drip check: ok ${dripHashes.length}, failed ${failed}, unique hashes ${uniqueHashes}, unmined ${unmined}, nonce gaps/dups ${dupOrGap}, keys used ${byFrom.size} (unknown ${unknown}, txpool ${JSON.stringify(txpool)}, block ${blockNo})`,
    `bare node:http hello:        ${helloRate.toFixed(0)} req/s   p50 ${ms(quantile(hello.lat, 0.5))}  p99 ${ms(quantile(hello.lat, 0.99))}`,
    `faucet GET /health (cached): ${healthRate.toFixed(0)} req/s   p50 ${ms(quantile(health.lat, 0.5))}  p99 ${ms(quantile(health.lat, 0.99))}  non-200 ${health.non200}`,
    `ratio health/hello: ${((healthRate / helloRate) * 100).toFixed(1)}% (target >= 70%)`,
  ];
  if (compareUrl) {
    const cRate = viaCompare.ok / viaCompare.seconds;
    const cHealth = (3 * HEALTH) / compareHealth.seconds;
    lines.push(
      `baseline ${COMPARE} POST /drip: ${cRate.toFixed(0)} drips/s   p50 ${ms(quantile(viaCompare.lat, 0.5))}  p99 ${ms(quantile(viaCompare.lat, 0.99))}  (ok ${viaCompare.ok}, failed ${viaCompare.failed})`,
      `baseline GET /health:        ${cHealth.toFixed(0)} req/s   p50 ${ms(quantile(compareHealth.lat, 0.5))}  p99 ${ms(quantile(compareHealth.lat, 0.99))}  non-200 ${compareHealth.non200}`,
      `ratio this build / baseline: drips ${((httpRate / cRate) * 100).toFixed(1)}% (target >= 90%), /health ${((healthRate / cHealth) * 100).toFixed(1)}%`,
      `faucet CPU per drip: this build ${(viaHttp.cpuMs / dripHashes.length).toFixed(3)} ms, baseline ${(viaCompare.cpuMs / viaCompare.ok).toFixed(3)} ms (ratio ${((viaCompare.cpuMs / viaCompare.ok) / (viaHttp.cpuMs / dripHashes.length) * 100).toFixed(1)}% = throughput this CPU allows, vs baseline)`,
      `faucet CPU per /health: this build ${((health.cpuMs / (3 * HEALTH)) * 1000).toFixed(1)} us, baseline ${((compareHealth.cpuMs / (3 * HEALTH)) * 1000).toFixed(1)} us`,
    );
  }
  console.log(lines.join('\n'));
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGTERM');
  if (JOURNAL) await sleep(500).then(() => ['main', 'compare'].forEach((t) => rmSync(join(ROOT, '.cache', `bench-faucet-state-${process.pid}-${t}.jsonl`), { force: true })));
}
