import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter, getMaxListeners } from 'node:events';
import { writeFileAtomic, tempPathFor, ensureDir } from '../../src/core/files.js';
import { installShutdown, SIGNAL_MAX_LISTENERS } from '../../src/core/shutdown.js';
import type { SignalSource } from '../../src/core/shutdown.js';
import { LuxopsError, UsageError, errorMessage, isAbortError, isLuxopsError } from '../../src/core/errors.js';
import { EXIT, exitCodeForSignal, signalNumber } from '../../src/core/exit-codes.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'luxops-files-'));

test('writeFileAtomic creates parents 0700, sets the mode exactly, leaves no temp file', async () => {
  const dir = tmp();
  const target = join(dir, 'a', 'b', 'staker.key');
  await writeFileAtomic(target, 'secret-bytes', { mode: 0o600 });
  assert.equal(readFileSync(target, 'utf8'), 'secret-bytes');
  assert.equal(statSync(target).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'a', 'b')).mode & 0o777, 0o700);
  await writeFileAtomic(target, new Uint8Array([1, 2, 3]), { mode: 0o644 });
  assert.deepEqual([...readFileSync(target)], [1, 2, 3]);
  assert.equal(statSync(target).mode & 0o777, 0o644);
  assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['staker.key']);
});

test('writeFileAtomic failure leaves the old file and no temp file', async () => {
  const dir = tmp();
  const target = join(dir, 'x.json');
  writeFileSync(target, 'old');
  // renaming a file over a directory fails after the temp file was written
  const blocker = join(dir, 'dir-target');
  mkdirSync(blocker);
  writeFileSync(join(blocker, 'keep'), '');
  await assert.rejects(writeFileAtomic(blocker, 'new'), (e: unknown) => e instanceof LuxopsError && e.code === 'E_WRITE_FAILED' && e.message.startsWith(`cannot write ${blocker}`));
  assert.deepEqual(readdirSync(dir).sort(), ['dir-target', 'x.json']);
  assert.equal(readFileSync(target, 'utf8'), 'old');
});

test('writeFileAtomic into an unwritable directory fails cleanly', { skip: process.getuid?.() === 0 ? 'root ignores directory modes' : false }, async () => {
  const dir = tmp();
  chmodSync(dir, 0o500);
  await assert.rejects(writeFileAtomic(join(dir, 'f'), 'x'), /cannot write .*EACCES/);
});

test('tempPathFor stays in the same directory and is hidden', async () => {
  const p = tempPathFor('/data/keys/staker.key');
  assert.match(p, /^\/data\/keys\/\.staker\.key\.tmp-\d+-[0-9a-f]{8}$/);
  const dir = tmp();
  await ensureDir(join(dir, 'n'), 0o700);
  assert.equal(statSync(join(dir, 'n')).mode & 0o777, 0o700);
});

test('shutdown: first signal aborts, second forces exit with 128+n', () => {
  const src = new EventEmitter();
  const exits: number[] = [];
  const s = installShutdown(src as unknown as SignalSource, (c) => exits.push(c));
  assert.equal(s.signal.aborted, false);
  assert.equal(getMaxListeners(s.signal), SIGNAL_MAX_LISTENERS, 'fan-out of parallel requests must not warn');
  src.emit('SIGTERM', 'SIGTERM');
  assert.equal(s.signal.aborted, true);
  assert.ok(isAbortError(s.signal.reason));
  assert.deepEqual(exits, []);
  src.emit('SIGINT', 'SIGINT');
  assert.deepEqual(exits, [130]);
  s.dispose();
  assert.equal(src.listenerCount('SIGTERM'), 0);
});

test('errors and exit codes', () => {
  const u = new UsageError('bad');
  assert.equal(u.exitCode, EXIT.USAGE);
  assert.equal(u.code, 'E_USAGE');
  const cause = new Error('inner');
  const e = new LuxopsError('E_X', 'outer\nsecond line', { cause, exitCode: 7 });
  assert.equal(e.cause, cause);
  assert.equal(e.exitCode, 7);
  assert.ok(isLuxopsError(e));
  assert.equal(errorMessage(e), 'outer');
  assert.equal(errorMessage('plain'), 'plain');
  assert.equal(exitCodeForSignal('SIGKILL'), 137);
  assert.equal(exitCodeForSignal('SIGSEGV'), 139);
  assert.equal(exitCodeForSignal(15), 143);
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.throws(() => signalNumber('SIGNOPE' as NodeJS.Signals), /unknown signal/);
  assert.equal(new LuxopsError('E_Y', 'm').exitCode, EXIT.FAILURE);
});

test('instanceof matches error classes by name across module copies (embedded chunks)', async () => {
  const { HttpStatusError, JsonRpcError } = await import('../../src/core/http.js');
  // a second, independent copy of the errors module, as a lazily compiled chunk carries
  const copy = (await import(`../../src/core/errors.ts?copy=${Date.now()}`)) as typeof import('../../src/core/errors.js');
  assert.notEqual(copy.LuxopsError, LuxopsError);
  const foreign = new copy.UsageError('from another chunk');
  assert.ok(foreign instanceof LuxopsError);
  assert.ok(foreign instanceof UsageError);
  assert.ok(new UsageError('x') instanceof copy.LuxopsError);
  const status = new HttpStatusError('POST', 'http://x', 503, '');
  assert.ok(status instanceof LuxopsError);
  assert.ok(!(status instanceof JsonRpcError));
  assert.ok(!(status instanceof UsageError));
  assert.ok(!(new LuxopsError('E', 'm') instanceof UsageError));
  assert.ok(!(new Error('plain') instanceof LuxopsError));
  assert.ok(!((null as unknown as object) instanceof LuxopsError));
});
