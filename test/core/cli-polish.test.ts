// The CLI's manners (issue #15): help wrapped to the terminal, startup's --rlp-* folded, -h per
// command, did-you-mean, every missing flag in one error, per-command env twins with the old names
// deprecated, unknown LUXOPS_* variables named, --check in flag units, pretty logs with a live line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startupCommand } from '../../src/startup/command.js';
import { rlpImportCommand } from '../../src/rlp-import/command.js';
import { rlpImportOptions } from '../../src/rlp-import/options.js';
import { keyDownloaderCommand } from '../../src/key-downloader/command.js';
import { faucetCommand } from '../../src/faucet/command.js';
import { commands } from '../../src/registry.js';
import { dispatch } from '../../src/core/dispatch.js';
import { parseArgs } from '../../src/core/options.js';
import { closest, editDistance } from '../../src/core/suggest.js';
import { unknownEnv } from '../../src/core/env-check.js';
import { formatSizeFlag, formatDurationFlag } from '../../src/core/units.js';
import { wrapText } from '../../src/core/text-wrap.js';
import { captureDeps } from '../helpers/deps.js';
import type { Command } from '../../src/core/command.js';

const RLP = ['--base-url', 'http://127.0.0.1:1/x', '--file', 'lux.rlp'];
async function run(cmd: Command, argv: string[], env: Record<string, string> = {}, over: Parameters<typeof captureDeps>[0] = {}) {
  const d = captureDeps(over);
  const code = await cmd.main(argv, env, d);
  return { code, out: d.out(), err: d.err(), logs: () => d.logs() };
}
const widest = (text: string) => Math.max(...text.split('\n').filter((l) => !/^ {2}luxops |^Usage: |^\s*\S+$/.test(l)).map((l) => l.length));

test('help is wrapped to the terminal width, 80 columns when stdout is not a terminal', async () => {
  const pipe = await run(rlpImportCommand, ['--help']);
  assert.ok(widest(pipe.out) <= 80, `widest line ${widest(pipe.out)}`);
  const narrow = await run(rlpImportCommand, ['--help'], {}, { stdoutColumns: 60 });
  assert.ok(widest(narrow.out) <= 60, `widest line ${widest(narrow.out)}`);
  const wide = await run(rlpImportCommand, ['--help'], {}, { stdoutColumns: 200 });
  assert.ok(wide.out.split('\n').length < pipe.out.split('\n').length, 'a wide terminal gets fewer, longer lines');
  // the top-level command list too
  const d = captureDeps({ stdoutColumns: 50 });
  assert.equal(await dispatch({ invokedAs: 'luxops', args: ['--help'], env: {}, commands, version: '1', makeDeps: () => d }), 0);
  assert.ok(widest(d.out()) <= 50, d.out());
  assert.deepEqual(wrapText('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
});

test('startup --help folds the --rlp-* flags (one per rlp-import flag) into one row; --help-all lists them', async () => {
  const h = await run(startupCommand, ['--help']);
  assert.equal(h.code, 0);
  assert.equal(h.out.match(/^ {2}--rlp-/gm)?.length, 1, 'one --rlp-* row');
  const n = rlpImportOptions.length;
  assert.ok(h.out.replace(/\s+/g, ' ').includes(` --rlp-* every 'luxops rlp-import' flag as --rlp-<flag> (${n} flags, env LUXOPS_RLP_IMPORT_<FLAG>); 'luxops rlp-import --help' explains them, --help-all lists them here `), h.out);
  assert.match(h.out, /--help-all/);
  const all = await run(startupCommand, ['--help-all']);
  assert.equal(all.code, 0);
  assert.equal(new Set(all.out.match(/^ {2}--rlp-[a-z0-9-]+/gm)).size, n);
  assert.ok(all.out.split('\n').length > h.out.split('\n').length + n);
});

test('-h is --help for every command', async () => {
  for (const c of [startupCommand, rlpImportCommand, keyDownloaderCommand, faucetCommand]) {
    const a = await run(c, ['-h']);
    const b = await run(c, ['--help']);
    assert.equal(a.code, 0, c.name);
    assert.equal(a.out, b.out, c.name);
  }
  assert.match((await run(rlpImportCommand, ['--help'])).out, /^ {2}-h, --help\s/m);
});

test('unknown commands and flags suggest the closest one, and only a close one', async () => {
  const d = captureDeps();
  assert.equal(await dispatch({ invokedAs: 'luxops', args: ['fuacet'], env: {}, commands, version: '1', makeDeps: () => d }), 2);
  assert.match(d.err(), /^luxops: unknown command "fuacet" \(did you mean "faucet"\?\)\n/);
  const d2 = captureDeps();
  await dispatch({ invokedAs: 'luxops', args: ['rlp-imprt'], env: {}, commands, version: '1', makeDeps: () => d2 });
  assert.match(d2.err(), /\(did you mean "rlp-import"\?\)/);
  const d3 = captureDeps();
  await dispatch({ invokedAs: 'luxops', args: ['--verison'], env: {}, commands, version: '1', makeDeps: () => d3 });
  assert.match(d3.err(), /unknown flag --verison \(did you mean --version\?\)/);
  const flag = await run(rlpImportCommand, [...RLP, '--concurency', '2']);
  assert.equal(flag.code, 2);
  assert.equal(flag.err, "luxops rlp-import: unknown flag --concurency (did you mean --concurrency?)\nTry 'luxops rlp-import --help'\n");
  assert.match((await run(startupCommand, ['--no-strictt'])).err, /unknown flag --no-strictt \(did you mean --no-strict\?\)/);
  assert.match((await run(startupCommand, ['--rlp-base-ulr', 'x'])).err, /\(did you mean --rlp-base-url\?\)/);
  // nothing close: no guess
  assert.equal((await run(rlpImportCommand, ['--frob'])).err, "luxops rlp-import: unknown flag --frob\nTry 'luxops rlp-import --help'\n");
  assert.equal(closest('zzzzzz', ['faucet', 'startup']), undefined);
  assert.equal(closest('key', ['key-downloader', 'key-uploader']), undefined, 'an ambiguous prefix');
  assert.equal(closest('sign', ['key-downloader', 'signer-downloader']), 'signer-downloader');
  assert.equal(editDistance('fuacet', 'faucet'), 1);
});

test('every missing required flag is named in one error', async () => {
  const r = await run(keyDownloaderCommand, []);
  assert.equal(r.code, 2);
  const first = r.err.split('\n')[0]!;
  assert.match(first, /^luxops key-downloader: missing required flags /);
  for (const f of ['--s3-region', '--s3-bucket', '--kms-key-id', '--aad-tag', '--s3-key-tls-key', '--s3-key-tls-cert', '--tls-key-path', '--tls-cert-path']) assert.ok(first.includes(f), f);
  assert.match(first, /--kms-key-id \(or LUXOPS_KEY_DOWNLOADER_KMS_KEY_ID\) unless --plaintext/);
  // --plaintext waives the KMS flags
  const plain = await run(keyDownloaderCommand, ['--plaintext']);
  assert.doesNotMatch(plain.err, /--kms-key-id|--aad-tag/);
  const one = await run(rlpImportCommand, ['--file', 'x']);
  assert.match(one.err, /^luxops rlp-import: missing required flag --base-url \(or LUXOPS_RLP_IMPORT_BASE_URL\)\n/);
});

test('"needs a value" says what kind of value, and nothing when there is nothing to say', () => {
  const table = [
    { name: 'parts', type: 'list', help: 'p' },
    { name: 'file', type: 'string', metavar: 'NAME', help: 'f' },
    { name: 'note', type: 'string', help: 'n' },
    { name: 'count', type: 'int', min: 1, max: 64, help: 'c' },
  ] as const;
  assert.throws(() => parseArgs(table, ['--parts'], {}), { message: 'flag --parts needs a value (a comma-separated list)' });
  assert.throws(() => parseArgs(table, ['--file'], {}), { message: 'flag --file needs a value (NAME)' });
  assert.throws(() => parseArgs(table, ['--note'], {}), { message: 'flag --note needs a value' });
  assert.throws(() => parseArgs(table, ['--count'], {}), { message: 'flag --count needs a value (an integer between 1 and 64)' });
});

test('env twins are per command; the old names still work, with one deprecation line', async () => {
  const fresh = await run(rlpImportCommand, [...RLP, '--check'], { LUXOPS_RLP_IMPORT_TIMEOUT: '600s', LUXOPS_RLP_IMPORT_CONCURRENCY: '3' });
  assert.equal(fresh.code, 0, fresh.err);
  assert.equal(JSON.parse(fresh.out).config.concurrency, 3);
  assert.equal(fresh.err, '', 'no warning for current names');
  // another command's twin is not ours: startup's LUXOPS_STARTUP_API_URL leaves rlp-import's --api-url alone
  const other = await run(rlpImportCommand, [...RLP, '--check'], { LUXOPS_STARTUP_API_URL: 'http://10.9.9.9:1' });
  assert.equal(JSON.parse(other.out).config.apiUrl, 'http://127.0.0.1:9630');
  assert.equal(other.err, '');
  // the old shared names: still read, one warning line naming each and its replacement
  const old = await run(rlpImportCommand, [...RLP, '--check'], { LUXOPS_TIMEOUT: '900s', LUXOPS_CONCURRENCY: '5' });
  assert.equal(old.code, 0, old.err);
  assert.equal(JSON.parse(old.out).config.concurrency, 5);
  const warns = old.logs().filter((l) => l.level === 'warn');
  assert.equal(warns.length, 1);
  assert.equal(warns[0]!.code, 'W_DEPRECATED_ENV');
  assert.deepEqual(warns[0]!.variables, ['LUXOPS_CONCURRENCY', 'LUXOPS_TIMEOUT']);
  assert.match(String(warns[0]!.msg), /LUXOPS_CONCURRENCY \(now LUXOPS_RLP_IMPORT_CONCURRENCY\), LUXOPS_TIMEOUT \(now LUXOPS_RLP_IMPORT_TIMEOUT\)/);
  // the new name wins over the old one
  const both = await run(rlpImportCommand, [...RLP, '--check'], { LUXOPS_CONCURRENCY: '5', LUXOPS_RLP_IMPORT_CONCURRENCY: '7' });
  assert.equal(JSON.parse(both.out).config.concurrency, 7);
  // startup's --rlp-* read rlp-import's twins; the old LUXOPS_RLP_* still work there
  const st = await run(startupCommand, ['--check'], { LUXOPS_RLP_IMPORT_FILE: 'a.rlp', LUXOPS_RLP_BASE_URL: 'https://old.example/x', LUXOPS_STARTUP_ATTACH: 'true' });
  assert.equal(st.code, 0, st.err);
  assert.equal(JSON.parse(st.out).config.rlpFile, 'a.rlp');
  assert.equal(JSON.parse(st.out).config.rlpBaseUrl, 'https://old.example/x');
  assert.match(st.err, /LUXOPS_RLP_BASE_URL \(now LUXOPS_RLP_IMPORT_BASE_URL\)/);
  // an error in an old-named variable names that variable
  const bad = await run(rlpImportCommand, RLP, { LUXOPS_TIMEOUT: 'soon' });
  assert.match(bad.err, /invalid value for LUXOPS_TIMEOUT \(--timeout\): "soon"/);
});

test('unknown LUXOPS_* variables get one warning line with the closest name', async () => {
  const r = await run(rlpImportCommand, [...RLP, '--check'], { LUXOPS_RLP_IMPORT_BASE_ULR: 'http://x', LUXOPS_BASE_ULR: 'http://y', LUXOPS_FAUCET_AMOUNT: '1', LUXOPS_DEBUG_CHUNKS: '1', LUXOPS_LOG_LEVEL: 'info', NOT_OURS: '1' });
  assert.equal(r.code, 0, r.err);
  const warns = r.logs().filter((l) => l.level === 'warn');
  assert.equal(warns.length, 1, r.err);
  assert.equal(warns[0]!.code, 'W_UNKNOWN_ENV');
  // another command's variable (LUXOPS_FAUCET_*), the entry's own and the global ones are not typos
  assert.deepEqual(warns[0]!.variables, ['LUXOPS_BASE_ULR', 'LUXOPS_RLP_IMPORT_BASE_ULR']);
  assert.match(String(warns[0]!.msg), /LUXOPS_BASE_ULR \(did you mean LUXOPS_RLP_IMPORT_BASE_URL\?\), LUXOPS_RLP_IMPORT_BASE_ULR \(did you mean LUXOPS_RLP_IMPORT_BASE_URL\?\): not a variable of luxops rlp-import/);
  // startup owns the rlp-import names it reads: a typo there is flagged too
  const typos = unknownEnv([{ name: 'rlp-file', type: 'string', help: 'f', env: 'LUXOPS_RLP_IMPORT_FILE', group: { prefix: 'rlp-', command: 'rlp-import' } }], 'startup', { LUXOPS_RLP_IMPORT_FLIE: 'x', LUXOPS_KEY_UPLOADER_X: '1' });
  assert.deepEqual(typos, [{ name: 'LUXOPS_RLP_IMPORT_FLIE', suggestion: 'LUXOPS_RLP_IMPORT_FILE' }]);
});

test('--check shows durations and sizes in the units the flags take', async () => {
  const r = await run(rlpImportCommand, [...RLP, '--check', '--timeout', '2h', '--retry-delay', '250ms'], {});
  const c = JSON.parse(r.out).config;
  assert.equal(c.timeout, '7200s');
  assert.equal(c.retryDelay, '250ms');
  assert.equal(c.healthTimeout, '180s');
  assert.equal(formatDurationFlag(0), '0s');
  assert.equal(formatSizeFlag(512 * 2 ** 20), '512MiB');
  assert.equal(formatSizeFlag(2e9), '2GB');
  assert.equal(formatSizeFlag(1001), '1001B');
});
