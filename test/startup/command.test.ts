// Flag handling of `startup`: usage errors (exit 2, one line naming the flag), --help, --check,
// env twins (the rlp group included), the --aliases-file merge before luxd starts, and an
// in-process rlp import that is skipped by its marker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain JS fixture without types
import { CHAIN_IDS } from '../fixtures/fake-luxd.mjs';
import { startupCommand, rlpConfigOf } from '../../src/startup/command.js';
import { captureDeps } from '../helpers/deps.js';
import { startSupervisor, readRecord, waitFor, getStatus, tempDir, logsMatching } from './helpers.js';

const C_ID: string = CHAIN_IDS.C;

const usage: Array<[string[], RegExp]> = [
  [[], /missing the luxd command after -- \(or use --attach\)/],
  [['--attach', '--', '/bin/true'], /--attach takes no child command/],
  [['--alias', 'zoo', '--', '/bin/true'], /invalid value for --alias: "zoo"/],
  [['--attach', '--clear-chain-data'], /cannot be used with --attach/],
  [['--rlp-base-url', 'http://x/y', '--', '/bin/true'], /--rlp-base-url needs --rlp-file/],
  [['--api-prefix', '/x', '--', '/bin/true'], /invalid value for --api-prefix/],
  [['--status-listen', 'nope', '--', '/bin/true'], /invalid value for --status-listen/],
  [['--', ''], /the command after -- is empty/],
];
for (const [argv, msg] of usage) {
  test(`usage error: ${argv.join(' ') || '(no args)'}`, async () => {
    const d = captureDeps();
    assert.equal(await startupCommand.main(argv, {}, d), 2);
    assert.match(d.err(), msg);
  });
}

test('--help lists own flags and the rlp group with env twins', async () => {
  const d = captureDeps();
  assert.equal(await startupCommand.main(['--help'], {}, d), 0);
  const out = d.out();
  for (const s of ['--attach', '--status-listen', 'LUXOPS_GRACE_PERIOD', '--rlp-base-url', 'LUXOPS_RLP_BASE_URL', '--rlp-health-timeout', 'Exit codes:']) assert.ok(out.includes(s), s);
});

test('--check resolves env twins, including the rlp group; rlp api url follows --api-url', async () => {
  const d = captureDeps();
  const env = { LUXOPS_ALIAS: 'zoo=C,bar=X', LUXOPS_RLP_BASE_URL: 'https://exports/lux', LUXOPS_RLP_FILE: 'lux.rlp', LUXOPS_RLP_CHECKSUMS_URL: 'https://exports/lux/SHA256SUMS', LUXOPS_API_URL: 'http://10.0.0.1:9640', LUXOPS_ATTACH: 'true' };
  assert.equal(await startupCommand.main(['--check'], env, d), 0);
  const shown = JSON.parse(d.out());
  assert.equal(shown.mode, 'attach');
  assert.deepEqual(shown.aliases, [{ alias: 'zoo', chain: 'C' }, { alias: 'bar', chain: 'X' }]);
  assert.equal(shown.config.rlpBaseUrl, 'https://exports/lux');
  const rlp = rlpConfigOf({ ...shown.config, apiPrefix: '/v1' });
  assert.equal(rlp?.apiUrl, 'http://10.0.0.1:9640');
  assert.equal(rlp?.apiPrefix, '/v1');
  assert.equal(rlp?.file, 'lux.rlp');
  assert.equal(rlpConfigOf({ ...shown.config, rlpBaseUrl: undefined }), undefined);
  assert.equal(rlpConfigOf({ ...shown.config, rlpApiUrl: 'http://other:1' })?.apiUrl, 'http://other:1');
});

test('--aliases-file is merged before luxd starts, so luxd knows the alias from its first request', async () => {
  const dir = tempDir();
  const file = join(dir, 'configs', 'chains', 'aliases.json');
  mkdirSync(join(dir, 'configs', 'chains'), { recursive: true });
  writeFileSync(file, JSON.stringify({ other: ['o'] }));
  const run = await startSupervisor(['--alias', `lux=${C_ID}`, '--alias', 'zoo=C', '--aliases-file', file], [`--data-dir=${dir}`]);
  await waitFor(() => readRecord(run.record)?.aliases.zoo, 'api alias applied');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { other: ['o'], [C_ID]: ['lux'] });
  // the fake loaded `lux` from the file at start, so the API call for it found it mapped
  assert.equal(logsMatching(run.deps, 'alias lux already mapped').length, 1);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});

test('rlp import runs in-process after the aliases; a done marker makes it skipped and ready', async () => {
  const dir = tempDir();
  const marker = join(dir, '.rlp-import.done');
  writeFileSync(marker, 'done\n');
  const run = await startSupervisor(
    ['--alias', 'zoo=C', '--status-listen', '127.0.0.1:0', '--rlp-base-url', 'http://127.0.0.1:9/exports', '--rlp-file', 'lux.rlp', '--rlp-dest-dir', dir, '--rlp-marker', marker, '--rlp-allow-unverified'],
    [],
  );
  const sp = await run.statusPort();
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready');
  const st = (await getStatus(sp, '/status')).body;
  assert.equal(st.import.state, 'skipped');
  assert.match((await getStatus(sp, '/metrics')).text, /^luxops_startup_import_done 1$/m);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
});

test('a failing rlp import leaves luxd running but not ready; under --strict it stops luxd and exits 1', async () => {
  const dir = tempDir();
  const flags = ['--rlp-base-url', 'http://127.0.0.1:9/exports', '--rlp-file', 'lux.rlp', '--rlp-dest-dir', dir, '--rlp-retries', '0', '--rlp-min-height', '0', '--rlp-allow-unverified'];
  const run = await startSupervisor([...flags, '--status-listen', '127.0.0.1:0'], []);
  const sp = await run.statusPort();
  const st = await waitFor(async () => {
    const s = (await getStatus(sp, '/status')).body;
    return s?.import?.state === 'failed' ? s : undefined;
  }, 'import failed', 20_000);
  assert.equal(st.ready, false);
  assert.match(st.reason, /rlp import failed/);
  assert.match((await getStatus(sp, '/metrics')).text, /^luxops_startup_import_failures_total 1$/m);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0);
  const strict = await startSupervisor([...flags, '--strict'], []);
  assert.equal(await strict.done, 1);
  assert.deepEqual(readRecord(strict.record)!.signals.map((s) => s.signal), ['SIGTERM']);
});
