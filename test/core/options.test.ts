import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, envName, prefixOptions, unprefixConfig, redactConfig, checkRequired, camelCase } from '../../src/core/options.js';
import { formatHelp } from '../../src/core/help.js';
import type { OptionDef } from '../../src/core/options.js';
import { UsageError } from '../../src/core/errors.js';
import { parseDuration, parseSize, formatDuration } from '../../src/core/units.js';

const table = [
  { name: 'api-url', type: 'url', default: 'http://127.0.0.1:9630', help: 'api' },
  { name: 'count', type: 'int', default: '4', min: 1, max: 64, help: 'n' },
  { name: 'strict', type: 'bool', help: 'b' },
  { name: 'wait', type: 'bool', default: 'true', help: 'b2' },
  { name: 'timeout', type: 'duration', default: '180s', help: 'd' },
  { name: 'max', type: 'size', default: '512MiB', help: 's' },
  { name: 'alias', type: 'list', help: 'l' },
  { name: 'listen', type: 'hostport', help: 'hp' },
  { name: 'prefix', type: 'enum', choices: ['auto', '/ext', '/v1'], default: 'auto', help: 'e' },
  { name: 'token', type: 'string', secret: true, help: 'secret' },
  { name: 'name', type: 'string', required: true, help: 'req' },
] as const satisfies readonly OptionDef[];

test('defaults are parsed by the same rules as values', () => {
  const { config } = parseArgs(table, [], {});
  assert.equal(config.apiUrl, 'http://127.0.0.1:9630');
  assert.equal(config.count, 4);
  assert.equal(config.strict, false);
  assert.equal(config.wait, true);
  assert.equal(config.timeout, 180_000);
  assert.equal(config.max, 512 * 2 ** 20);
  assert.deepEqual(config.alias, []);
  assert.equal(config.listen, undefined);
  assert.equal(config.prefix, 'auto');
  assert.ok(Object.isFrozen(config));
});

test('flag beats env beats default', () => {
  const env = { LUXOPS_COUNT: '8', LUXOPS_TIMEOUT: '2m' };
  const a = parseArgs(table, [], env);
  assert.equal(a.config.count, 8);
  assert.equal(a.sources.count, 'env');
  assert.equal(a.config.timeout, 120_000);
  const b = parseArgs(table, ['--count', '16'], env);
  assert.equal(b.config.count, 16);
  assert.equal(b.sources.count, 'flag');
  assert.equal(parseArgs(table, ['--count=2'], env).config.count, 2);
});

test('booleans: bare, =value, --no-, env', () => {
  assert.equal(parseArgs(table, ['--strict'], {}).config.strict, true);
  assert.equal(parseArgs(table, ['--strict=false'], {}).config.strict, false);
  assert.equal(parseArgs(table, ['--no-wait'], {}).config.wait, false);
  assert.equal(parseArgs(table, [], { LUXOPS_WAIT: 'false' }).config.wait, false);
  assert.throws(() => parseArgs(table, ['--strict=maybe'], {}), /--strict: "maybe", expected true or false/);
});

test('lists repeat and split on commas, from flags and env', () => {
  assert.deepEqual(parseArgs(table, ['--alias', 'a=C', '--alias=b=X,c=P'], {}).config.alias, ['a=C', 'b=X', 'c=P']);
  assert.deepEqual(parseArgs(table, [], { LUXOPS_ALIAS: 'x=C, y=C' }).config.alias, ['x=C', 'y=C']);
});

test('host:port, enum, url and bounds', () => {
  assert.deepEqual(parseArgs(table, ['--listen', '0.0.0.0:9639'], {}).config.listen, { host: '0.0.0.0', port: 9639 });
  assert.deepEqual(parseArgs(table, ['--listen', ':80'], {}).config.listen, { host: '0.0.0.0', port: 80 });
  assert.deepEqual(parseArgs(table, ['--listen', '[::1]:8080'], {}).config.listen, { host: '::1', port: 8080 });
  assert.throws(() => parseArgs(table, ['--listen', 'nope'], {}), /--listen: "nope", expected HOST:PORT/);
  assert.throws(() => parseArgs(table, ['--listen', 'h:70000'], {}), UsageError);
  assert.throws(() => parseArgs(table, ['--prefix', '/x'], {}), /expected one of auto, \/ext, \/v1/);
  assert.throws(() => parseArgs(table, ['--api-url', 'ftp://x'], {}), /--api-url: "ftp:\/\/x", expected a URL \(http, https\)/);
  assert.throws(() => parseArgs(table, ['--api-url', 'not a url'], {}), /--api-url/);
  assert.equal(parseArgs(table, ['--api-url', 'http://h:1/'], {}).config.apiUrl, 'http://h:1');
  assert.throws(() => parseArgs(table, ['--count', '0'], {}), /expected an integer between 1 and 64/);
  assert.throws(() => parseArgs(table, ['--count', '1.5'], {}), /--count/);
  assert.throws(() => parseArgs(table, ['--max', '12parsecs'], {}), /--max: "12parsecs", expected a size/);
});

test('errors name the env variable when the value came from there', () => {
  try {
    parseArgs(table, [], { LUXOPS_TIMEOUT: 'soon' });
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof UsageError);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /^invalid value for LUXOPS_TIMEOUT \(--timeout\): "soon", expected a duration/);
  }
});

test('secret values never appear in errors or --check output', () => {
  const secretInt = [{ name: 'pin', type: 'int', secret: true, help: 'p' }] as const satisfies readonly OptionDef[];
  assert.throws(() => parseArgs(secretInt, ['--pin', 'hunter2'], {}), (e: Error) => !e.message.includes('hunter2') && e.message.includes('[redacted]'));
  const { config } = parseArgs(table, ['--token', 's3cr3t', '--name', 'n'], {});
  assert.equal(redactConfig(table, config as unknown as Record<string, unknown>).token, '[redacted]');
});

test('unknown flags, missing values, positionals and --', () => {
  assert.throws(() => parseArgs(table, ['--nope'], {}), /unknown flag --nope/);
  assert.throws(() => parseArgs(table, ['-x'], {}), /unknown flag -x/);
  assert.throws(() => parseArgs(table, ['--count'], {}), /flag --count needs a value/);
  const r = parseArgs(table, ['pos', '--strict', '--', '/bin/luxd', '--http-port=1', '--strict'], {});
  assert.deepEqual(r.positionals, ['pos']);
  assert.deepEqual(r.rest, ['/bin/luxd', '--http-port=1', '--strict']);
});

test('required flags', () => {
  const { config } = parseArgs(table, [], {});
  assert.throws(() => checkRequired(table, config as unknown as Record<string, unknown>), /missing required flag --name \(or LUXOPS_NAME\)/);
  checkRequired(table, parseArgs(table, [], { LUXOPS_NAME: 'x' }).config as unknown as Record<string, unknown>);
});

test('prefixOptions re-exports a table with prefixed flags and the owning command\'s env twins', () => {
  const pre = prefixOptions(table, 'rlp-', 'rlp-import');
  assert.equal(pre[0]!.name, 'rlp-api-url');
  assert.equal(envName(pre[0]!), 'LUXOPS_RLP_IMPORT_API_URL');
  assert.equal(pre[0]!.legacyEnv, 'LUXOPS_RLP_API_URL');
  assert.deepEqual(pre[0]!.group, { prefix: 'rlp-', command: 'rlp-import' });
  assert.equal(pre.find((d) => d.name === 'rlp-name')!.required, undefined);
  const parsed = parseArgs(pre, ['--rlp-count', '3'], { LUXOPS_RLP_IMPORT_NAME: 'n' });
  const back = unprefixConfig(parsed.config as Record<string, unknown>, 'rlp-', table);
  assert.equal(back.count, 3);
  assert.equal(back.name, 'n');
  assert.equal(back.apiUrl, 'http://127.0.0.1:9630');
});

test('help lists every flag with env twin and default', () => {
  const help = formatHelp({ prog: 'luxops x', usage: '[flags]', summary: 'does x', table, columns: 200 });
  assert.match(help, /^Usage: luxops x \[flags\]/);
  assert.match(help, /--api-url URL\s+api \[env LUXOPS_API_URL; default http:\/\/127\.0\.0\.1:9630\]/);
  assert.match(help, /--name VALUE\s+req \[env LUXOPS_NAME; required\]/);
  assert.equal(camelCase('rlp-base-url'), 'rlpBaseUrl');
});

test('durations and sizes', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('45'), 45_000);
  assert.equal(parseDuration('0.5'), 500);
  for (const bad of ['', 's', '5x', '1m junk', '-1s']) assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(parseSize('512MiB'), 536_870_912);
  assert.equal(parseSize('1GB'), 1e9);
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('1.5KiB'), 1536);
  assert.equal(parseSize('12XB'), undefined);
  assert.equal(parseSize('abc'), undefined);
});
