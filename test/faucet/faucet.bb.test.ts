// Black-box runs of the built executables (dist/luxops.cjs under node, and the single executable
// dist/luxops): help, usage errors, a real serve-drip-SIGTERM cycle against anvil, and --dev
// finding anvil on its own (from the working directory, and from the executable's directory).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { runBin, jsonLines, BIN_VARIANTS } from '../helpers/run-bin.js';
import { serve, killAll } from './serve-bin.js';
import { freePort } from '../../src/faucet/dev-node.js';
import { readFile } from 'node:fs/promises';
import { startFaultProxy } from '../fixtures/rpc-fault-proxy.js';
import { startChain, drip, call, randomAddress, DEV_KEYS } from './helpers.js';
import type { Chain } from './helpers.js';

const KEY = DEV_KEYS[1];
const RUNS = BIN_VARIANTS;

let chain: Chain;
before(async () => {
  chain = await startChain();
});
after(async () => {
  killAll();
  await chain?.node.stop();
});

for (const run of RUNS) {
  test(`${run.name}: --help and usage errors`, async () => {
    const help = await runBin(run.file, [...run.pre, 'faucet', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--keys-file PATH/);
    assert.match(help.stdout, /LUXOPS_FAUCET_KEY/);
    const missing = await runBin(run.file, [...run.pre, 'faucet', '--rpc-url', chain.node.url], { env: { PATH: process.env.PATH ?? '' } });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.split('\n')[0], 'luxops faucet: missing faucet key: give --key-file, --keys-file or LUXOPS_FAUCET_KEY');
    const onCli = await runBin(run.file, [...run.pre, 'faucet', `--faucet-key=${KEY}`]);
    assert.equal(onCli.code, 2);
    assert.ok(!onCli.stderr.includes(KEY.slice(2)));
  });

  test(`${run.name}: serves, drips, and exits 0 on SIGTERM`, async () => {
    const f = await serve(run, ['--rpc-url', chain.node.url, '--listen', '127.0.0.1:0', '--chain-id', '96369'], { LUXOPS_FAUCET_KEY: KEY, LUXOPS_IP_LIMIT: 'off' });
    const r = await drip(f.url, randomAddress());
    assert.equal(r.status, 200, r.text);
    assert.equal((await call(f.url, 'GET', '/health')).status, 200);
    f.child.kill('SIGTERM');
    assert.equal(await f.exit, 0);
    assert.ok(!f.stderr().includes(KEY.slice(2)), 'the key is never logged');
  });
}

test('luxops.cjs faucet --dev (what npm start runs) finds anvil from the working directory and stops it on SIGTERM', async () => {
  const f = await serve(RUNS[0]!, ['--dev', '--listen', '127.0.0.1:0'], {});
  assert.equal((await drip(f.url, randomAddress())).status, 200);
  const anvilUrl = String(jsonLines(f.stderr()).find((l) => l.msg === 'dev: anvil started')!.url);
  f.child.kill('SIGTERM');
  assert.equal(await f.exit, 0);
  await assert.rejects(call(anvilUrl, 'POST', '/', '{}', { 'content-type': 'application/json' }));
});

test('the single executable finds anvil from its own directory when run elsewhere', async () => {
  const f = await serve(RUNS[1]!, ['--dev', '--listen', '127.0.0.1:0'], {}, tmpdir());
  assert.equal((await call(f.url, 'GET', '/health')).status, 200);
  f.child.kill('SIGINT');
  assert.equal(await f.exit, 0);
});

test('--dev: a SIGKILLed faucet takes its anvil with it, and a second start on the same port works', async () => {
  const port = await freePort();
  const first = await serve(RUNS[0]!, ['--dev', '--listen', `127.0.0.1:${port}`], {});
  const anvilUrl = String(jsonLines(first.stderr()).find((l) => l.msg === 'dev: anvil started')!.url);
  assert.equal((await call(anvilUrl, 'POST', '/', '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', { 'content-type': 'application/json' })).status, 200);
  first.child.kill('SIGKILL');
  await first.exit;
  let gone = false;
  for (let i = 0; i < 100 && !gone; i++) {
    gone = await call(anvilUrl, 'POST', '/', '{}', { 'content-type': 'application/json' }).then(() => false, () => true);
    if (!gone) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(gone, 'anvil outlived the SIGKILLed faucet');
  const second = await serve(RUNS[0]!, ['--dev', '--listen', `127.0.0.1:${port}`], {});
  assert.equal((await drip(second.url, randomAddress())).status, 200);
  second.child.kill('SIGTERM');
  assert.equal(await second.exit, 0);
});

test('an RPC answering eth_chainId with an endless body: the faucet reads at most --rpc-max-response, stays small, and reports the endpoint down', async () => {
  const proxy = await startFaultProxy(chain.node.url);
  proxy.mode.hugeChainId = true;
  const f = await serve(RUNS[0]!, ['--rpc-url', proxy.url, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], { LUXOPS_FAUCET_KEY: KEY });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await call(f.url, 'GET', '/health')).status, 503);
    const h = await call(f.admin!, 'GET', '/health');
    assert.match(JSON.stringify(h.json.rpc), /answer over 1048576 bytes refused/);
    const status = await readFile(`/proc/${f.child.pid}/status`, 'utf8');
    const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)![1]);
    assert.ok(hwmKb < 250 * 1024, `peak RSS ${hwmKb} kB`);
    assert.ok(proxy.hugeBytes < 200 * 1024 * 1024, `the proxy wrote ${proxy.hugeBytes} bytes`);
  } finally {
    f.child.kill('SIGTERM');
    await f.exit;
    await proxy.close();
  }
});
