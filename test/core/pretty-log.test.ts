// --log-format pretty|auto and the live progress line (src/core/pretty-log.ts, src/core/progress.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrettySink, formatRecord } from '../../src/core/pretty-log.js';
import { formatProgress, humanEta, progressFields, progressOf } from '../../src/core/progress.js';
import { createLogger } from '../../src/core/log.js';
import { rlpImportCommand } from '../../src/rlp-import/command.js';
import { captureDeps } from '../helpers/deps.js';

const CLEAR = '\r\x1b[2K';
const sink = () => {
  let text = '';
  return { write: (s: string) => ((text += s), true), text: () => text };
};

test('pretty lines: time, level, component, message, then the other fields', () => {
  const line = formatRecord({ level: 'warn', time: '2026-12-03T12:04:05.123Z', component: 'rlp-import', msg: 'part download failed; retrying', part: 'ab', attempt: 1, err: 'socket hang up' });
  assert.equal(line, '12:04:05 WARN  rlp-import: part download failed; retrying part=ab attempt=1 err="socket hang up"');
});

test('auto is JSON when stderr is not a terminal, pretty when it is; redaction applies to both', () => {
  const a = sink();
  createLogger({ level: 'info', component: 'c', sink: a, format: 'auto' }).info({ token: 'hunter2' }, 'hello');
  assert.equal(JSON.parse(a.text()).msg, 'hello');
  const b = sink();
  createLogger({ level: 'info', component: 'c', sink: b, format: 'auto', columns: 100 }).info({ token: 'hunter2' }, 'hello');
  assert.match(b.text(), /^\d\d:\d\d:\d\d INFO  c: hello token=\[redacted\]\n$/);
  const c = sink();
  createLogger({ level: 'info', component: 'c', sink: c, format: 'json', columns: 100 }).info('x');
  assert.equal(JSON.parse(c.text()).msg, 'x');
});

test('on a terminal, progress events update one live line; other lines scroll above it', () => {
  const out = sink();
  const s = new PrettySink(out, { columns: 100 });
  const rec = (o: Record<string, unknown>) => s.write(JSON.stringify({ level: 'info', time: '2026-12-03T12:00:00.000Z', component: 'rlp-import', ...o }) + '\n');
  // rlp-import's own event, unchanged
  rec({ msg: 'downloading', bytes: 412_300_000, totalBytes: 981_000_000, rateBps: 38_200_000, etaS: 15, partsDone: 3, parts: 8 });
  assert.ok(out.text().startsWith(CLEAR) && !out.text().endsWith('\n'), JSON.stringify(out.text()));
  assert.match(out.text(), /downloading +42\.0% \[#+\.+\] 412\.3 MB \/ 981\.0 MB {2}38\.2 MB\/s {2}ETA 15s$/);
  rec({ level: 'warn', msg: 'part download failed; retrying', part: 'ab' });
  assert.ok(out.text().endsWith(`${CLEAR}12:00:00 WARN  rlp-import: part download failed; retrying part=ab\n`), JSON.stringify(out.text()));
  rec({ msg: 'downloading', bytes: 981_000_000, totalBytes: 981_000_000, rateBps: 40_000_000, etaS: 0 });
  assert.match(out.text(), /100\.0% \[#+\] 981\.0 MB \/ 981\.0 MB {2}40\.0 MB\/s {2}ETA 0s\n$/, 'a finished bar stays as a line');
  // each live line fits the terminal
  for (const l of out.text().split(/\n|\r\x1b\[2K/)) assert.ok(l.length < 100, l);
});

test('without a terminal, pretty prints progress events as ordinary lines', () => {
  const out = sink();
  new PrettySink(out, {}).write(JSON.stringify({ level: 'info', msg: 'importing', height: 10, lastBlock: 20, blocksPerS: 5, etaS: 2, component: 'x' }) + '\n');
  assert.doesNotMatch(out.text(), /\r|\x1b/);
  assert.match(out.text(), /INFO {2}x: importing height=10 lastBlock=20/);
});

test('progress shapes and the line layout', () => {
  assert.deepEqual(progressOf({ height: 5, lastBlock: 10, blocksPerS: 2.5, etaS: 2 }), { done: 5, total: 10, unit: 'blocks', rate: 2.5, etaS: 2 });
  assert.deepEqual(progressOf({ ...progressFields({ done: 1, total: 4, unit: 'items' }) }), { done: 1, total: 4, unit: 'items' });
  assert.equal(progressOf({ bytes: 5 }), undefined, 'bytes without a total is not progress');
  assert.equal(humanEta(3725), '1h02m');
  assert.equal(humanEta(185), '3m05s');
  assert.equal(formatProgress('importing', { done: 250, total: 1000, unit: 'blocks', rate: 50, etaS: 15 }, 80), 'importing   25.0% [###.........] 250 blocks / 1000 blocks  50 blocks/s  ETA 15s');
  // a narrow terminal: the bar goes, then the label
  const narrow = formatProgress('downloading', { done: 1, total: 4, unit: 'bytes' }, 30);
  assert.ok(narrow.length <= 29, narrow);
});

test('--log-format pretty turns a command\'s lines human (here: the deprecation line)', async () => {
  const d = captureDeps();
  const code = await rlpImportCommand.main(['--base-url', 'http://h/x', '--file', 'f', '--check', '--log-format', 'pretty'], { LUXOPS_TIMEOUT: '60s' }, d);
  assert.equal(code, 0);
  assert.match(d.err(), /^\d\d:\d\d:\d\d WARN  rlp-import: deprecated variable names, still read for now: LUXOPS_TIMEOUT \(now LUXOPS_RLP_IMPORT_TIMEOUT\) code=W_DEPRECATED_ENV variables=\["LUXOPS_TIMEOUT"\]\n$/);
  const e = captureDeps();
  await rlpImportCommand.main(['--base-url', 'http://h/x', '--file', 'f', '--check', '--log-format', 'nope'], {}, e);
  assert.match(e.err(), /invalid value for --log-format: "nope", expected one of auto, json, pretty/);
});
