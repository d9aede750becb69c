// faucet's main(argv, env, deps) in-process: usage errors (exit 2, one line, no key echoed),
// --check redaction, and a full run against anvil that stops cleanly on shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureDeps } from '../helpers/deps.js';
import type { CapturedDeps } from '../helpers/deps.js';
import { faucetCommand } from '../../src/faucet/command.js';
import { startChain, drip, call, randomAddress, DEV_KEYS, ANVIL_BIN } from './helpers.js';
import type { Chain } from './helpers.js';

const SECRET = DEV_KEYS[2].slice(2);
let chain: Chain;
let dir: string;
before(async () => {
  chain = await startChain();
  dir = await mkdtemp(join(tmpdir(), 'faucet-main-'));
});
after(async () => {
  await chain?.node.stop();
  await rm(dir, { recursive: true, force: true });
});

async function usage(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; err: string }> {
  const deps = captureDeps();
  const code = await faucetCommand.main(argv, env, deps);
  return { code, err: deps.err() };
}

/** Poll the captured logs (bounded) for the "faucet listening" line. */
async function listening(deps: CapturedDeps): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = deps.logs().find((l) => l.msg === 'faucet listening');
    if (line) return String(line.url);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`faucet did not start: ${deps.err()}`);
}

test('missing, malformed or command-line keys are usage errors (exit 2) that never echo the key', async () => {
  let r = await usage(['--rpc-url', chain.node.url]);
  assert.equal(r.code, 2);
  assert.match(r.err, /missing faucet key: give --key-file, --keys-file or LUXOPS_FAUCET_KEY/);
  r = await usage(['--faucet-key', SECRET]);
  assert.equal(r.code, 2);
  assert.match(r.err, /must not be given on the command line/);
  assert.ok(!r.err.includes(SECRET));
  r = await usage([], { LUXOPS_FAUCET_KEY: 'zz' + SECRET.slice(2) });
  assert.equal(r.code, 2);
  assert.match(r.err, /LUXOPS_FAUCET_KEY: not a hex secp256k1 private key/);
  assert.ok(!r.err.includes(SECRET.slice(2)));
  const keyFile = join(dir, 'bad.key');
  await writeFile(keyFile, '0x' + '0'.repeat(64));
  r = await usage(['--key-file', keyFile]);
  assert.equal(r.code, 2);
  assert.match(r.err, /out of the secp256k1 range/);
  r = await usage(['--key-file', join(dir, 'absent.key')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot read \(ENOENT\)/);
  const yamlFile = join(dir, 'keys.yaml');
  await writeFile(yamlFile, `- key: ${SECRET}\n- nokey: 1\n`);
  r = await usage(['--keys-file', yamlFile]);
  assert.equal(r.code, 2);
  assert.match(r.err, /entry 2 has no string "key" field/);
  assert.ok(!r.err.includes(SECRET));
  r = await usage(['--key-file', keyFile], { LUXOPS_FAUCET_KEY: SECRET });
  assert.equal(r.code, 2);
  assert.match(r.err, /exactly one of/);
});

test('a key given where a path belongs is never echoed: --key-file/--keys-file <hex>, also under --check', async () => {
  for (const argv of [['--key-file', SECRET], ['--key-file', `0x${SECRET}`], ['--keys-file', SECRET], ['--check', '--key-file', SECRET]]) {
    const r = await usage(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /looks like key material \(not shown\)/);
    assert.ok(!r.err.includes(SECRET.slice(8, 40)), `the key was echoed for ${argv[0]}`);
  }
  // a real path that happens to contain a long hex run (a hashed secret mount) is a path: read, and if unreadable, not echoed
  const hashed = join(dir, SECRET.slice(0, 40), 'faucet.key');
  const r = await usage(['--key-file', hashed]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--key-file \(path not shown: it looks like key material\): cannot read \(ENOENT\)/);
});

test('--check and usage errors show --rpc-url without credentials or query values', async () => {
  const deps = captureDeps();
  assert.equal(await faucetCommand.main(['--check', '--rpc-url', 'http://u:pa55word@node:9630/rpc?apikey=K3Y99'], { LUXOPS_FAUCET_KEY: SECRET }, deps), 0);
  assert.ok(!deps.out().includes('pa55word') && !deps.out().includes('K3Y99'), deps.out());
  assert.match(deps.out(), /http:\/\/\*\*\*@node:9630\/rpc\?apikey=\*\*\*/);
  const bad = await usage(['--rpc-url', 'ftp://u:pa55word@node/'], { LUXOPS_FAUCET_KEY: SECRET });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--rpc-url: ftp:\/\/\*\*\*@node\/, expected an http:\/\/ or https:\/\/ URL/);
  assert.ok(!bad.err.includes('pa55word'));
});

test('bad amounts and limits name the flag', async () => {
  for (const [argv, re] of [
    [['--amount', '1.2.3'], /--amount: "1.2.3"/],
    [['--amount', '0'], /--amount: "0", expected an amount above 0/],
    [['--ip-limit', '3/day'], /--ip-limit: "3\/day", expected N\/DURATION/],
    [['--address-limit', '1/10ms'], /--address-limit/],
    [['--wait', 'forever'], /--wait/],
  ] as const) {
    const r = await usage([...argv], { LUXOPS_FAUCET_KEY: SECRET });
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, re);
  }
});

test('--check prints the resolved config with the env key redacted', async () => {
  const deps = captureDeps();
  const code = await faucetCommand.main(['--check', '--dev'], { LUXOPS_FAUCET_KEY: SECRET, LUXOPS_AMOUNT: '2.5' }, deps);
  assert.equal(code, 0);
  const shown = JSON.parse(deps.out()) as { config: Record<string, unknown>; effective: { listen: string; rpcUrl: string[] } };
  assert.equal(shown.config.faucetKey, '[redacted]');
  assert.equal(shown.config.amount, '2.5');
  assert.equal(shown.effective.listen, '127.0.0.1:8080');
  assert.ok(!deps.out().includes(SECRET));
});

test('main serves until shutdown, then exits 0; the key never reaches the logs', async () => {
  const deps = captureDeps();
  const keyFile = join(dir, 'faucet.key');
  await writeFile(keyFile, `0x${SECRET}\n`, { mode: 0o600 });
  const done = faucetCommand.main(['--rpc-url', chain.node.url, '--chain-id', '96369', '--key-file', keyFile, '--listen', '127.0.0.1:0', '--amount', '0.5'], {}, deps);
  const url = await listening(deps);
  const r = await drip(url, randomAddress());
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.amount, (5n * 10n ** 17n).toString());
  deps.shutdown();
  assert.equal(await done, 0);
  assert.ok(!deps.err().includes(SECRET));
  assert.ok(deps.logs().some((l) => l.msg === 'drip sent' && l.txHash === r.json.txHash));
});

test('a busy --listen port is a one-line runtime failure (exit 1)', async () => {
  const deps = captureDeps();
  const first = faucetCommand.main(['--rpc-url', chain.node.url, '--listen', '127.0.0.1:0'], { LUXOPS_FAUCET_KEY: SECRET }, deps);
  const port = new URL(await listening(deps)).port;
  const second = captureDeps();
  assert.equal(await faucetCommand.main(['--rpc-url', chain.node.url, '--listen', `127.0.0.1:${port}`], { LUXOPS_FAUCET_KEY: SECRET }, second), 1);
  assert.ok(second.logs().some((l) => l.code === 'E_LISTEN' && String(l.msg).includes('EADDRINUSE')));
  deps.shutdown();
  assert.equal(await first, 0);
});

test('--dev starts anvil on chain 96369 with a funded dev key, serves the page, and stops anvil on shutdown', async () => {
  const deps = captureDeps();
  const done = faucetCommand.main(['--dev', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--anvil-bin', ANVIL_BIN], {}, deps);
  const url = await listening(deps);
  assert.match(deps.out(), /open http:\/\/127\.0\.0\.1:\d+ and paste an address/);
  assert.deepEqual((await call(url, 'GET', '/health')).json, { status: 'ok' });
  const admin = String(deps.logs().find((l) => l.msg === 'faucet listening')!.admin);
  const h = await call(admin, 'GET', '/health');
  assert.equal(h.status, 200, h.text);
  assert.equal(h.json.chainId, 96369);
  assert.equal((h.json.accounts as Array<{ address: string }>)[0]!.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  assert.equal((await drip(url, randomAddress())).status, 200);
  const anvilUrl = String(deps.logs().find((l) => l.msg === 'dev: anvil started')!.url);
  deps.shutdown();
  assert.equal(await done, 0);
  assert.ok(deps.logs().some((l) => l.msg === 'dev: anvil stopped'));
  await assert.rejects(call(anvilUrl, 'POST', '/', '{}', { 'content-type': 'application/json' }), 'anvil is gone');
});

test('--dev with keys given funds them on the throwaway chain; a missing --anvil-bin is exit 2', async () => {
  const deps = captureDeps();
  const done = faucetCommand.main(['--dev', '--listen', '127.0.0.1:0'], { LUXOPS_FAUCET_KEY: SECRET }, deps);
  const url = await listening(deps);
  assert.equal((await call(url, 'GET', '/health')).status, 200);
  deps.shutdown();
  assert.equal(await done, 0);
  const r = captureDeps();
  assert.equal(await faucetCommand.main(['--dev', '--anvil-bin', join(dir, 'no-anvil')], {}, r), 2);
  assert.ok(r.logs().some((l) => l.code === 'E_ANVIL_NOT_FOUND'));
});
