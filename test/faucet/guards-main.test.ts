// The page and protection flags through main() and through the built executables: every combination
// that cannot work is a one-line usage error naming the flag (exit 2) that never echoes a key; --check
// redacts the PoW key; a faucet started with every protection and an ERC-20 serves a solved drip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureDeps } from '../helpers/deps.js';
import { ROOT, runBin, jsonLines, BIN_VARIANTS } from '../helpers/run-bin.js';
import { faucetCommand } from '../../src/faucet/command.js';
import { startChain, drip, call, randomAddress, waitMined, DEV_KEYS, ONE } from './helpers.js';
import type { Chain } from './helpers.js';
import { deployToken, balanceOf } from './erc20-helpers.js';
import { solvePow } from '../../src/faucet/pow.js';
import { privateKeyToAccount } from 'viem/accounts';

const SECRET = DEV_KEYS[2].slice(2);
const POW_SECRET = 'f00dfeed'.repeat(8);
let chain: Chain;
let dir: string;
before(async () => {
  chain = await startChain();
  dir = await mkdtemp(join(tmpdir(), 'faucet-guards-main-'));
});
after(async () => {
  await chain?.node.stop();
  await rm(dir, { recursive: true, force: true });
});

async function usage(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; err: string }> {
  const deps = captureDeps();
  const code = await faucetCommand.main(argv, { LUXOPS_FAUCET_KEY: SECRET, ...env }, deps);
  return { code, err: deps.err() };
}

test('bad page and protection flags are usage errors naming the flag; keys are never echoed', async () => {
  const shortKey = join(dir, 'short.key');
  await writeFile(shortKey, 'abc123');
  const badList = join(dir, 'bad.list');
  await writeFile(badList, `0x${'a'.repeat(40)}\nnot-an-entry\n`);
  for (const [argv, env, re] of [
    [['--pow-difficulty', '33'], {}, /--pow-difficulty: "33", expected an integer between 0 and 32/],
    [['--pow-key-file', shortKey], {}, /--pow-key-file needs --pow-difficulty BITS above 0/],
    [['--pow-difficulty', '8', '--pow-key-file', shortKey], {}, /--pow-key-file .*short\.key: the PoW key must be at least 16 bytes/],
    [['--pow-difficulty', '8'], { LUXOPS_FAUCET_POW_KEY: 'tiny' }, /LUXOPS_FAUCET_POW_KEY: the PoW key must be at least 16 bytes/],
    [['--pow-difficulty', '8', '--pow-key', POW_SECRET], {}, /the PoW key must not be given on the command line/],
    [['--pow-difficulty', '12', '--pow-max-difficulty', '10'], {}, /--pow-max-difficulty 10 is below --pow-difficulty 12/],
    [['--pow-difficulty', '12', '--pow-target-rate', 'lots'], {}, /--pow-target-rate/],
    [['--daily-budget', '0.5'], {}, /--daily-budget 0.5 is smaller than one drip/],
    [['--daily-budget', 'ten'], {}, /--daily-budget: "ten"/],
    [['--amount', '0'], {}, /--amount: "0", expected an amount above 0/],
    [['--amount', '0', '--token', `0x${'1'.repeat(40)}`], {}, /--token without :AMOUNT takes --amount, which is 0/],
    [['--amount', '0', '--token', `0x${'1'.repeat(40)}:5`, '--daily-budget', '10'], {}, /--daily-budget counts the native coin/],
    [['--token', 'usdc'], {}, /--token: "usdc", expected ADDRESS or ADDRESS:AMOUNT/],
    [['--deny-list', join(dir, 'absent.list'), '--rpc-url', 'http://127.0.0.1:9'], {}, /--deny-list .*absent\.list: cannot read \(ENOENT\)/],
    [['--allow-list', badList, '--rpc-url', 'http://127.0.0.1:9'], {}, /--allow-list .*bad\.list: line 2: not an address/],
    [['--rpc-public-url', 'https://user:pw@rpc.example/'], {}, /--rpc-public-url is shown to every visitor: it must not carry credentials/],
    [['--explorer-url', 'ftp://x'], {}, /--explorer-url/],
    [['--title', ' '], {}, /--title: expected 1 to 80 characters/],
  ] as const) {
    const r = await usage([...argv], env);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err.split('\n')[0]!, re, argv.join(' '));
    assert.ok(!r.err.includes(POW_SECRET) && !r.err.includes('abc123') && !r.err.includes('tiny'), 'no key echoed');
  }
  const deps = captureDeps();
  assert.equal(await faucetCommand.main(['--check', '--dev', '--pow-difficulty', '8'], { LUXOPS_FAUCET_KEY: SECRET, LUXOPS_FAUCET_POW_KEY: POW_SECRET }, deps), 0);
  const shown = JSON.parse(deps.out()) as { config: Record<string, unknown> };
  assert.equal(shown.config.powKey, '[redacted]');
  assert.ok(!deps.out().includes(POW_SECRET));
});

for (const run of BIN_VARIANTS) {
  test(`${run.name}: every protection and an ERC-20 on; a bot without the page gets nothing, a solved drip gets both coins`, async () => {
    const owner = privateKeyToAccount(`0x${SECRET}`);
    await chain.rpc.call('anvil_setBalance', [owner.address, `0x${(100n * ONE).toString(16)}`]);
    const token = await deployToken(chain, owner, 'USDT', 6, 10n ** 12n);
    const keyFile = join(dir, `faucet-${run.name}.key`);
    const powKeyFile = join(dir, `pow-${run.name}.key`);
    const deny = join(dir, `deny-${run.name}.list`);
    await writeFile(keyFile, `0x${SECRET}\n`, { mode: 0o600 });
    await writeFile(powKeyFile, `${POW_SECRET}\n`, { mode: 0o600 });
    await writeFile(deny, '# nobody yet\n');
    const args = [
      'faucet', '--rpc-url', chain.node.url, '--chain-id', '96369', '--key-file', keyFile, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--ip-limit', 'off',
      '--title', 'Lux Testnet faucet', '--network-name', 'Lux Testnet', '--token-symbol', 'tLUX', '--explorer-url', 'https://explore.invalid',
      '--pow-difficulty', '8', '--pow-key-file', powKeyFile, '--pow-max-difficulty', '12', '--daily-budget', '100', '--deny-list', deny,
      '--refuse-contracts', '--token', `${token}:5`,
    ];
    const child = spawn(run.file, [...run.pre, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    try {
      let url: string | undefined;
      let admin: string | undefined;
      for (let i = 0; i < 300 && !url; i++) {
        const line = jsonLines(err).find((l) => l.msg === 'faucet listening');
        url = line?.url as string | undefined;
        admin = line?.admin as string | undefined;
        if (!url) await new Promise((r) => setTimeout(r, 100));
        if (child.exitCode !== null) throw new Error(`exited: ${err}`);
      }
      assert.ok(url, err);
      const page = await call(url, 'GET', '/');
      assert.match(page.text, /<h1>Lux Testnet faucet<\/h1>/);
      assert.match(page.text, /Get <strong>1 tLUX and 5 USDT<\/strong>/);
      // a plain HTTP loop without the page: refused every time, nothing sent
      for (let i = 0; i < 5; i++) assert.equal((await drip(url, randomAddress())).status, 403);
      // the contract check runs for a solved drip to a contract
      const toContract = await call(url, 'GET', `/challenge?address=${token}`);
      const c1 = solvePow(String(toContract.json.seed), Number(toContract.json.difficulty))!;
      const refused = await call(url, 'POST', '/drip', JSON.stringify({ address: token, challenge: toContract.json.challenge, nonce: c1.nonce }), { 'content-type': 'application/json' });
      assert.equal(refused.json.reason, 'contract');
      const to = randomAddress();
      const ch = await call(url, 'GET', `/challenge?address=${to}`);
      const s = solvePow(String(ch.json.seed), Number(ch.json.difficulty))!;
      const ok = await call(url, 'POST', '/drip', `address=${to}&pow_challenge=${ch.json.challenge}&pow_nonce=${s.nonce}`, { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(ok.status, 200, ok.text);
      await waitMined(chain.rpc, String(ok.json.txHash));
      await waitMined(chain.rpc, String(ok.json.tokenTxHash));
      assert.equal(await chain.balance(to), ONE);
      assert.equal(await balanceOf(chain, token, to), 5_000_000n);
      const m = (await call(admin!, 'GET', '/metrics')).text;
      assert.match(m, /luxops_faucet_budget_used_tokens 1\n/);
      assert.match(m, /luxops_faucet_pow_failures_total\{reason="missing"\} 5/);
      assert.match(m, /luxops_faucet_contract_checks_total\{result="contract"\} 1/);
      assert.match(m, /luxops_faucet_token_transfers_total 1/);
      assert.ok(!err.includes(POW_SECRET) && !err.includes(SECRET), 'no key in the logs');
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
    }
  });
}

test('the built executable refuses a PoW key on the command line without echoing it', async () => {
  const r = await runBin(BIN_VARIANTS[0]!.file, [...BIN_VARIANTS[0]!.pre, 'faucet', '--pow-difficulty', '8', `--pow-key=${POW_SECRET}`], { env: { PATH: process.env.PATH ?? '', LUXOPS_FAUCET_KEY: SECRET } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the PoW key must not be given on the command line/);
  assert.ok(!r.stderr.includes(POW_SECRET));
});
