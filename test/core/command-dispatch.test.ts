import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineCommand, reportFailure } from '../../src/core/command.js';
import type { OptionDef } from '../../src/core/options.js';
import { dispatch, commandForName, formatCommandList } from '../../src/core/dispatch.js';
import { LuxopsError, UsageError } from '../../src/core/errors.js';
import { createLogger, lazyLogger } from '../../src/core/log.js';
import { captureDeps } from '../helpers/deps.js';

const opts = [
  { name: 'count', type: 'int', default: '1', help: 'how many' },
  { name: 'faucet-key', type: 'string', secret: true, help: 'key' },
  { name: 'mode', type: 'enum', choices: ['ok', 'fail', 'usage', 'crash', 'log-secret'], default: 'ok', help: 'what run does' },
] as const satisfies readonly OptionDef[];

const echo = defineCommand({
  name: 'echo-test',
  summary: 'a test command',
  usage: '[flags] WORD',
  options: opts,
  positionals: { min: 0, max: 1, metavar: 'WORD' },
  validate: ({ config }) => {
    if (config.count > 99) throw new UsageError('--count must be <= 99 here');
  },
  describe: ({ config }) => ({ doubled: config.count * 2 }),
  run: async ({ config, deps, log, positionals }) => {
    if (config.mode === 'fail') throw new LuxopsError('E_TEST', 'it failed', { details: { part: 'aa' } });
    if (config.mode === 'usage') throw new UsageError('bad combination of --count and --mode');
    if (config.mode === 'crash') throw new TypeError('boom');
    if (config.mode === 'log-secret') log.info({ key: 'deadbeef', headers: { authorization: 'Bearer x' }, faucetKey: config.faucetKey }, 'secrets');
    deps.stdout.write(`${positionals[0] ?? ''}x${config.count}\n`);
    return 0;
  },
});
const other = defineCommand({ name: 'signer-downloader', summary: 's', options: [], run: async () => 0 });
const downloader = defineCommand({ name: 'downloader', summary: 'd', options: [], run: async () => 5 });

test('run: flags, env twin, positionals', async () => {
  const d = captureDeps();
  assert.equal(await echo.main(['--count', '3', 'hi'], {}, d), 0);
  assert.equal(d.out(), 'hix3\n');
  const d2 = captureDeps();
  assert.equal(await echo.main([], { LUXOPS_COUNT: '7' }, d2), 0);
  assert.equal(d2.out(), 'x7\n');
});

test('--help prints the table, including common flags', async () => {
  const d = captureDeps();
  assert.equal(await echo.main(['--help'], {}, d), 0);
  assert.match(d.out(), /^Usage: luxops echo-test \[flags\] WORD/);
  assert.match(d.out(), /--count N\s+how many \[env LUXOPS_ECHO_TEST_COUNT; default\s+1\]/);
  assert.match(d.out(), /--log-level/);
  assert.match(d.out(), /--check/);
});

test('--check prints resolved config with secrets redacted and runs nothing', async () => {
  const d = captureDeps();
  assert.equal(await echo.main(['--check', '--mode', 'fail'], { LUXOPS_FAUCET_KEY: '0xabc123' }, d), 0);
  const shown = JSON.parse(d.out());
  assert.equal(shown.command, 'echo-test');
  assert.equal(shown.config.faucetKey, '[redacted]');
  assert.equal(shown.config.mode, 'fail');
  assert.equal(shown.doubled, 2);
  assert.ok(!d.out().includes('0xabc123'));
});

test('usage errors: one line naming the flag, Try --help, exit 2', async () => {
  for (const argv of [['--count', 'x'], ['--nope'], ['a', 'b'], ['--count', '100'], ['--mode', 'usage'], ['--', 'x']]) {
    const d = captureDeps();
    assert.equal(await echo.main(argv, {}, d), 2, argv.join(' '));
    const lines = d.err().trimEnd().split('\n');
    assert.equal(lines.length, 2, d.err());
    assert.match(lines[0]!, /^luxops echo-test: /);
    assert.equal(lines[1], "Try 'luxops echo-test --help'");
  }
});

test('runtime errors: one JSON log line with code, exit 1; unknown errors too', async () => {
  const d = captureDeps();
  assert.equal(await echo.main(['--mode', 'fail'], {}, d), 1);
  const [line] = d.logs();
  assert.equal(line!.code, 'E_TEST');
  assert.equal(line!.msg, 'it failed');
  assert.equal(line!.part, 'aa');
  assert.equal(line!.component, 'echo-test');
  assert.equal(line!.level, 'error');
  const d2 = captureDeps();
  assert.equal(await echo.main(['--mode', 'crash'], {}, d2), 1);
  assert.equal(d2.logs()[0]!.code, 'E_INTERNAL');
  assert.equal(d2.logs().length, 1, 'stack only at debug level');
});

test('redaction: keys and authorization headers never reach the log', async () => {
  const d = captureDeps();
  assert.equal(await echo.main(['--mode', 'log-secret', '--log-level', 'debug'], { LUXOPS_FAUCET_KEY: '0xfeedface' }, d), 0);
  assert.ok(!d.err().includes('deadbeef'));
  assert.ok(!d.err().includes('Bearer'));
  assert.ok(!d.err().includes('feedface'));
  assert.match(d.err(), /\[redacted\]/);
});

test('log level filters lines', () => {
  let out = '';
  const log = createLogger({ level: 'warn', component: 't', sink: { write: (s: string) => (out += s) } });
  log.info('hidden');
  log.warn('shown');
  assert.equal(out.trim().split('\n').length, 1);
  assert.equal(JSON.parse(out).msg, 'shown');
});

test('reportFailure maps aborts to a warning and exit 1', () => {
  const d = captureDeps();
  const log = createLogger({ level: 'info', component: 't', sink: d.stderr });
  assert.equal(reportFailure(Object.assign(new Error('received SIGTERM'), { name: 'AbortError' }), log, d, 'luxops t'), 1);
  assert.equal(d.logs()[0]!.code, 'E_ABORTED');
});

const all = [echo, other, downloader];
const run = async (invokedAs: string, args: string[]) => {
  const d = captureDeps();
  const code = await dispatch({ invokedAs, args, env: {}, commands: all, version: '1.2.3', makeDeps: () => d });
  return { code, out: d.out(), err: d.err() };
};

test('dispatch: --help, --version, no command, unknown command/flag', async () => {
  const h = await run('/x/luxops', ['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /echo-test\s+a test command/);
  assert.deepEqual(await run('/x/luxops', ['--version']), { code: 0, out: '1.2.3\n', err: '' });
  assert.equal((await run('/x/luxops', [])).code, 2);
  const u = await run('/x/luxops', ['nope']);
  assert.equal(u.code, 2);
  assert.match(u.err, /^luxops: unknown command "nope"\nTry 'luxops --help' or 'luxops <command> --help'\n$/);
  assert.match((await run('/x/luxops', ['--bogus'])).err, /unknown flag --bogus/);
  assert.equal((await run('/x/luxops.cjs', ['echo-test', 'w'])).out, 'wx1\n');
});

test('dispatch by executable name: exact, prefixed, longest suffix, .cjs', async () => {
  assert.equal(commandForName('/usr/bin/echo-test', all)?.name, 'echo-test');
  assert.equal(commandForName('/opt/lux-echo-test', all)?.name, 'echo-test');
  assert.equal(commandForName('lux-signer-downloader', all)?.name, 'signer-downloader');
  assert.equal(commandForName('/opt/luxops/downloader.cjs', all)?.name, 'downloader');
  assert.equal(commandForName('xecho-test', all), undefined, 'a suffix must start at a separator');
  assert.equal(commandForName('luxops', all), undefined);
  assert.equal((await run('/opt/lux-echo-test', ['--count', '2'])).out, 'x2\n');
  assert.equal((await run('/opt/downloader', [])).code, 5);
  const fixed = captureDeps();
  assert.equal(await dispatch({ invokedAs: '/whatever', args: ['z'], env: {}, commands: all, version: '1', fixed: 'echo-test', makeDeps: () => fixed }), 0);
  assert.equal(fixed.out(), 'zx1\n');
  assert.match(formatCommandList('luxops', all, '9'), /luxops 9: utilities/);
});

test('lazyLogger builds its pino logger on first use only, then is that logger', () => {
  let made = 0;
  let out = '';
  const log = lazyLogger(() => {
    made += 1;
    return createLogger({ level: 'info', component: 'lazy', sink: { write: (s: string) => (out += s) } });
  });
  assert.equal(made, 0, 'nothing is built before the first line');
  log.info({ n: 1 }, 'first');
  log.child({ task: 't' }).warn('from a child');
  assert.equal(log.level, 'info');
  log.level = 'warn';
  log.info('filtered');
  assert.equal(made, 1);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.component, l.msg, l.n ?? l.task]), [['lazy', 'first', 1], ['lazy', 'from a child', 't']]);
});
