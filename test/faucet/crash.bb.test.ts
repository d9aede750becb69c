// The built executable SIGKILLed at bad moments with --state-file: right after answering 200, with
// a transfer in flight (the node holds its answer), and while it loads and rewrites a large
// journal. Every restart must refuse the IP and the address a transfer may have gone to, and leave
// no temp file behind. Real anvil on 127.0.0.1, behind the fault proxy for the in-flight case.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN_VARIANTS } from '../helpers/run-bin.js';
import { startChain, drip, randomAddress, waitMined, DEV_KEYS, ONE } from './helpers.js';
import type { Chain } from './helpers.js';
import { serve, sigkill, killAll } from './serve-bin.js';
import type { BinVariant } from './serve-bin.js';
import { startFaultProxy } from '../fixtures/rpc-fault-proxy.js';
import type { FaultProxy } from '../fixtures/rpc-fault-proxy.js';

let chain: Chain;
let proxy: FaultProxy;
let dir: string;
before(async () => {
  chain = await startChain();
  proxy = await startFaultProxy(chain.node.url);
  dir = await mkdtemp(join(tmpdir(), 'faucet-crash-'));
});
after(async () => {
  killAll();
  await proxy?.close();
  await chain?.node.stop();
  await rm(dir, { recursive: true, force: true });
});

const args = (rpc: string, stateFile: string, extra: string[] = []) => ['--rpc-url', rpc, '--chain-id', '96369', '--listen', '127.0.0.1:0', '--trust-proxy', '1', '--state-file', stateFile, ...extra];
const xff = (ip: string) => ({ 'x-forwarded-for': ip });

async function onlyStateFile(stateFile: string): Promise<void> {
  const left = (await readdir(join(stateFile, '..'))).filter((n) => n.includes('.tmp-'));
  assert.deepEqual(left, [], 'a temp file was left behind');
}

/** After a restart: the IP and the address of a charged drip are both refused. */
async function assertCharged(run: BinVariant, stateFile: string, key: string, ip: string, to: string): Promise<void> {
  const again = await serve(run, args(chain.node.url, stateFile), { LUXOPS_FAUCET_KEY: key });
  try {
    assert.equal((await drip(again.url, randomAddress(), xff(ip))).status, 429, 'the IP drips again after the crash');
    assert.equal((await drip(again.url, to, xff(`192.0.2.${Math.floor(Math.random() * 200) + 1}`))).status, 429, 'the address drips again after the crash');
  } finally {
    await sigkill(again);
  }
  await onlyStateFile(stateFile);
}

for (const [run, rounds] of [[BIN_VARIANTS[0], 3], [BIN_VARIANTS[1], 1]] as const) {
  test(`${run.name}: SIGKILL right after a 200, ${rounds} round(s): the restart refuses the same IP and address`, async () => {
    const stateFile = join(dir, `after-200-${run.pre.length}`, 'state.jsonl');
    for (let round = 0; round < rounds; round++) {
      const f = await serve(run, args(chain.node.url, stateFile), { LUXOPS_FAUCET_KEY: DEV_KEYS[1] });
      const ip = `198.51.100.${10 * run.pre.length + round + 1}`;
      const to = randomAddress();
      const r = await drip(f.url, to, xff(ip));
      assert.equal(r.status, 200, r.text);
      f.child.kill('SIGKILL');
      await f.exit;
      await waitMined(chain.rpc, String(r.json.txHash));
      await assertCharged(run, stateFile, DEV_KEYS[1], ip, to);
    }
  });
}

test('SIGKILL while the transfer is in flight (the node has it, the answer is held): the restart refuses the IP and the address', async () => {
  const stateFile = join(dir, 'in-flight', 'state.jsonl');
  const run = BIN_VARIANTS[1];
  const f = await serve(run, args(proxy.url, stateFile, ['--rpc-timeout', '60s']), { LUXOPS_FAUCET_KEY: DEV_KEYS[2] });
  proxy.mode.delaySendMs = 30_000;
  try {
    const before = proxy.forwardedSends;
    const to = randomAddress();
    const pendingDrip = drip(f.url, to, xff('203.0.113.5')).catch(() => undefined);
    for (let i = 0; i < 200 && proxy.forwardedSends === before; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(proxy.forwardedSends, before + 1, 'the node got the transfer');
    await sigkill(f);
    await pendingDrip;
    // the transfer exists on chain: the charge must too
    for (let i = 0; i < 100 && (await chain.balance(to)) === 0n; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await chain.balance(to), ONE);
    proxy.mode.delaySendMs = 0;
    await assertCharged(run, stateFile, DEV_KEYS[2], '203.0.113.5', to);
  } finally {
    proxy.mode.delaySendMs = 0;
  }
});

test('SIGKILL at random points while a large journal is loaded and rewritten: no temp file survives a restart, no charge is lost', async () => {
  const sub = join(dir, 'compaction');
  const stateFile = join(sub, 'state.jsonl');
  const t = Date.now() - 60_000;
  const lines = ['{"luxops":"faucet-state","v":2}'];
  // 40 000 live charges (about 3 MB): rewriting takes a while, so kills land inside it
  for (let i = 0; i < 40_000; i++) lines.push(JSON.stringify({ t, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, a: `0x${i.toString(16).padStart(40, '0')}` }));
  await mkdir(sub, { recursive: true });
  await writeFile(stateFile, lines.join('\n') + '\n');
  // a temp file of an earlier crash, named the way the rewrite names its own
  await writeFile(join(sub, '.state.jsonl.tmp-999999-deadbeef'), 'half a journal');
  const run = BIN_VARIANTS[0];
  for (const delayMs of [50, 150, 300, 450, 600, 900]) {
    const child = spawn(run.file, [...run.pre, 'faucet', ...args(chain.node.url, stateFile, ['--limit-max-entries', '100000'])], { env: { PATH: process.env.PATH ?? '', LUXOPS_FAUCET_KEY: DEV_KEYS[0] }, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill('SIGKILL');
    await exited;
  }
  const f = await serve(run, args(chain.node.url, stateFile, ['--limit-max-entries', '100000']), { LUXOPS_FAUCET_KEY: DEV_KEYS[0] });
  try {
    await onlyStateFile(stateFile);
    assert.equal((await drip(f.url, randomAddress(), xff('10.0.0.7'))).status, 429, 'a charge from the journal was lost');
    assert.equal((await drip(f.url, `0x${(39_999).toString(16).padStart(40, '0')}`, xff('192.0.2.77'))).status, 429, 'an address charge was lost');
    assert.equal((await drip(f.url, randomAddress(), xff('192.0.2.78'))).status, 200);
  } finally {
    await sigkill(f);
  }
});
