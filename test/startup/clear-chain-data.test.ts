// --clear-chain-data: the happy path (what went, how many bytes, marker too) and every refusal
// (exit 2, nothing deleted): non-plain --cchain-id, a path leaving --data-dir, symlinked components.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startupCommand } from '../../src/startup/command.js';
import { planClearChainData } from '../../src/startup/clear-chain-data.js';
import { captureDeps } from '../helpers/deps.js';
import { tempDir } from './helpers.js';

const ID = '2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM';

function seed(dataDir: string): string {
  const chain = join(dataDir, 'chainData', 'network-1', ID);
  mkdirSync(join(chain, 'db'), { recursive: true });
  writeFileSync(join(chain, 'db', 'a.ldb'), Buffer.alloc(1000));
  writeFileSync(join(chain, 'b'), Buffer.alloc(24));
  return chain;
}

async function run(argv: string[]) {
  const d = captureDeps();
  // /bin/true as "luxd": exits 0 at once; the clearing happens before it is spawned
  const code = await startupCommand.main([...argv, '--api-url', 'http://127.0.0.1:9', '--', '/bin/true'], {}, d);
  return { code, d };
}

test('clears the C-chain dir and the import marker, logging bytes; other chains stay', async () => {
  const data = tempDir();
  const chain = seed(data);
  const other = join(data, 'chainData', 'network-1', 'otherchain');
  mkdirSync(other, { recursive: true });
  const marker = join(data, 'import', '.rlp-import.done');
  mkdirSync(join(data, 'import'));
  writeFileSync(marker, 'done\n');
  const { code, d } = await run(['--clear-chain-data', '--data-dir', data, '--network-id', '1', '--cchain-id', ID, '--rlp-marker', marker]);
  assert.equal(code, 0);
  assert.equal(existsSync(chain), false);
  assert.equal(existsSync(marker), false);
  assert.equal(existsSync(other), true);
  const cleared = d.logs().find((l) => String(l.msg).startsWith('cleared C-chain data'));
  assert.deepEqual({ bytes: cleared?.bytes, files: cleared?.files, path: cleared?.path }, { bytes: 1024, files: 2, path: chain });
  assert.ok(d.logs().some((l) => String(l.msg).startsWith('removed import marker') && l.bytes === 5));
});

test('nothing to clear is fine', async () => {
  const data = tempDir();
  const { code, d } = await run(['--clear-chain-data', '--data-dir', data, '--network-id', '2', '--cchain-id', ID]);
  assert.equal(code, 0);
  assert.ok(d.logs().some((l) => l.msg === 'no C-chain data to clear'));
});

const refusals: Array<[string, (data: string) => string[], RegExp]> = [
  ['a --cchain-id with a path in it', (data) => ['--data-dir', data, '--network-id', '1', '--cchain-id', '../../etc'], /invalid value for --cchain-id: "..\/..\/etc", expected a plain blockchain ID/],
  ['a --cchain-id with a dot', (data) => ['--data-dir', data, '--network-id', '1', '--cchain-id', 'abc.def'], /--cchain-id/],
  ['an import marker outside --data-dir', (data) => ['--data-dir', data, '--network-id', '1', '--cchain-id', ID, '--rlp-marker', '/etc/passwd'], /import marker \/etc\/passwd is outside --data-dir/],
  ['a --data-dir that is the root', () => ['--data-dir', '/', '--network-id', '1', '--cchain-id', ID], /filesystem root/],
  ['a missing --data-dir', () => ['--network-id', '1', '--cchain-id', ID], /needs --data-dir/],
  ['a missing --network-id', (data) => ['--data-dir', data, '--cchain-id', ID], /needs --network-id/],
  ['a missing --cchain-id', (data) => ['--data-dir', data, '--network-id', '1'], /needs --cchain-id/],
];
for (const [name, argsOf, msg] of refusals) {
  test(`refuses ${name} with exit 2 and deletes nothing`, async () => {
    const data = tempDir();
    const chain = seed(data);
    const { code, d } = await run(['--clear-chain-data', ...argsOf(data)]);
    assert.equal(code, 2);
    assert.match(d.err(), msg);
    assert.equal(existsSync(chain), true);
  });
}

const symlinkCases: Array<[string, (data: string, elsewhere: string) => void]> = [
  ['chainData', (data, elsewhere) => {
    mkdirSync(join(elsewhere, 'network-1', ID), { recursive: true });
    symlinkSync(elsewhere, join(data, 'chainData'));
  }],
  ['network-<id>', (data, elsewhere) => {
    mkdirSync(join(elsewhere, ID), { recursive: true });
    mkdirSync(join(data, 'chainData'));
    symlinkSync(elsewhere, join(data, 'chainData', 'network-1'));
  }],
  ['the chain dir itself', (data, elsewhere) => {
    mkdirSync(join(data, 'chainData', 'network-1'), { recursive: true });
    symlinkSync(elsewhere, join(data, 'chainData', 'network-1', ID));
  }],
];
for (const [name, make] of symlinkCases) {
  test(`refuses when ${name} is a symlink (exit 2, target untouched)`, async () => {
    const data = tempDir();
    const elsewhere = tempDir();
    writeFileSync(join(elsewhere, 'precious'), 'x');
    make(data, elsewhere);
    const { code, d } = await run(['--clear-chain-data', '--data-dir', data, '--network-id', '1', '--cchain-id', ID]);
    assert.equal(code, 2);
    const err = d.logs().find((l) => l.level === 'error');
    assert.equal(err?.code, 'E_CLEAR_REFUSED');
    assert.match(String(err?.msg), /is a symlink/);
    assert.equal(existsSync(join(elsewhere, 'precious')), true);
  });
}

test('refuses a marker that is a symlink', async () => {
  const data = tempDir();
  const elsewhere = tempDir();
  writeFileSync(join(elsewhere, 'm'), 'x');
  symlinkSync(join(elsewhere, 'm'), join(data, 'marker'));
  const { code } = await run(['--clear-chain-data', '--data-dir', data, '--network-id', '1', '--cchain-id', ID, '--rlp-marker', join(data, 'marker')]);
  assert.equal(code, 2);
  assert.equal(existsSync(join(elsewhere, 'm')), true);
});

test('plan: default import marker comes from --rlp-dest-dir only when importing', () => {
  assert.equal(planClearChainData({ dataDir: '/data', networkId: 1, cchainId: ID, marker: undefined }).marker, undefined);
  assert.equal(planClearChainData({ dataDir: '/data', networkId: 1, cchainId: ID, marker: '/data/import/.rlp-import.done' }).chainDir, `/data/chainData/network-1/${ID}`);
});

test('--check shows the plan without touching anything', async () => {
  const data = tempDir();
  const chain = seed(data);
  const d = captureDeps();
  const code = await startupCommand.main(['--check', '--clear-chain-data', '--data-dir', data, '--network-id', '1', '--cchain-id', ID, '--', '/bin/true'], {}, d);
  assert.equal(code, 0);
  assert.equal(JSON.parse(d.out()).clearChainData.chainDir, chain);
  assert.equal(existsSync(chain), true);
});
