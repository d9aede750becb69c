// The process-level crash handlers (src/core/crash.ts), driven with a fake process: one JSON line in
// pino's shape, secrets cut from message and stack, exit 70, a crash while reporting exits at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { crashLine, installCrashHandlers } from '../../src/core/crash.js';
import { redactUrlsIn as redactUrls } from '../../src/core/redact-url.js';
import { EXIT } from '../../src/core/exit-codes.js';

function harness(component?: string) {
  const proc = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  const handle = installCrashHandlers(proc as never, { component: () => component, version: '9.9.9', write: (l) => void lines.push(l), exit: (c) => void exits.push(c), now: () => new Date(0) });
  return { proc, lines, exits, handle };
}

test('crash: an uncaught exception is one JSON line (message, code, stack) and exit 70', () => {
  const h = harness('rlp-import');
  const e = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  h.proc.emit('uncaughtException', e, 'uncaughtException');
  assert.equal(EXIT.CRASH, 70);
  assert.deepEqual(h.exits, [70]);
  assert.equal(h.lines.length, 1);
  assert.ok(h.lines[0]!.endsWith('\n') && !h.lines[0]!.slice(0, -1).includes('\n'));
  const j = JSON.parse(h.lines[0]!) as Record<string, unknown>;
  assert.equal(j.level, 'fatal');
  assert.equal(j.time, '1970-01-01T00:00:00.000Z');
  assert.equal(j.component, 'rlp-import');
  assert.equal(j.code, 'ECONNRESET');
  assert.equal(j.origin, 'uncaughtException');
  assert.equal(j.msg, 'uncaught exception (a bug in luxops 9.9.9): socket hang up');
  assert.match(String(j.stack), /^Error: socket hang up\n {4}at /);
  assert.equal(j.node, process.version);
});

test('crash: an unhandled rejection of a non-Error, before any command ran', () => {
  const h = harness(undefined);
  h.proc.emit('unhandledRejection', 'just a string');
  const j = JSON.parse(h.lines[0]!) as Record<string, unknown>;
  assert.equal(j.component, 'luxops');
  assert.equal(j.code, 'E_INTERNAL_CRASH');
  assert.equal(j.origin, 'unhandledRejection');
  assert.equal(j.msg, 'unhandled rejection (a bug in luxops 9.9.9): just a string');
  assert.equal(j.stack, undefined);
  assert.deepEqual(h.exits, [70]);
  // Node reports a rejection it turned into an exception with that origin
  const h2 = harness('faucet');
  h2.proc.emit('uncaughtException', new Error('x'), 'unhandledRejection');
  assert.equal((JSON.parse(h2.lines[0]!) as Record<string, unknown>).origin, 'unhandledRejection');
});

test('crash: a second crash while reporting the first exits at once, a failing write still exits 70', () => {
  const proc = new EventEmitter();
  const exits: number[] = [];
  let writes = 0;
  installCrashHandlers(proc as never, {
    component: () => 'x',
    version: '1',
    write: () => {
      writes++;
      throw new Error('EPIPE');
    },
    exit: (c) => void exits.push(c),
  });
  proc.emit('uncaughtException', new Error('first'), 'uncaughtException');
  proc.emit('unhandledRejection', new Error('second'));
  assert.equal(writes, 1);
  assert.deepEqual(exits, [70, 70]);
});

test('crash: URL credentials and query strings never reach the line', () => {
  assert.equal(redactUrls('GET https://user:pw@h.example/p/a?X-Amz-Signature=abc failed'), 'GET https://***@h.example/p/a?X-Amz-Signature=*** failed');
  assert.equal(redactUrls('s3://bucket/key and http://127.0.0.1:9630/ext/health'), 's3://bucket/key and http://127.0.0.1:9630/ext/health');
  const e = new Error('fetch https://alice:hunter2@example.invalid/x?token=s3cret');
  const line = crashLine(e, 'uncaughtException', { component: () => 'c', version: '1' });
  assert.doesNotMatch(line, /hunter2|s3cret|alice/);
  assert.match(line, /https:\/\/\*\*\*@example\.invalid\/x\?[A-Za-z-]+=\*\*\*/);
});

test('crash: a value whose String() throws is still reported', () => {
  const evil = { toString() { throw new Error('no'); } };
  const line = crashLine(evil, 'unhandledRejection', { component: () => undefined, version: '1' });
  assert.match((JSON.parse(line) as { msg: string }).msg, /\[object Object\]$/);
});
