// restore-snapshot's fault suite of issue 12 (rlp-import's is test/rlp-import/faults.bb.test.ts),
// against the BUILT single executable: a local server that drops, stalls, shifts ranges, closes early
// (HTTP/1.0 style), lies about lengths, ignores Range, replaces the object, serves corrupt bytes once;
// Python's http.server; SIGKILL mid-run followed by a rerun.
// Every run must end restored with a byte-identical tree, or failed with one clear JSON error line
// and the data dir as it was: never a partial tree, a false marker or a leaked staging dir (only
// a SIGKILLed run may leave its staging dir, and the rerun removes it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { readdirSync, existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BINARIES, runBin, jsonLines } from '../helpers/run-bin.js';
import { freePort } from '../helpers/free-port.js';
import { sha256hex } from '../rlp-import/rlp-fixture.js';
import { dataDirArchive, tree } from './archive-fixture.js';
import { startFaultServer, tempDir } from '../rlp-import/helpers.js';
import type { FaultServer, Faults } from '../rlp-import/helpers.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };
// 12 MiB of incompressible files; --concurrency 8 makes 4 MiB ranges (3 of them)
const { archive, expected } = dataDirArchive(12 << 20);
const SHA = sha256hex(archive);
const NAME = 'snap.tar.gz';
const MARKER = '.restore-snapshot.done';
let srv: FaultServer;
before(async () => {
  srv = await startFaultServer({ files: { [NAME]: archive } });
});
after(() => srv.close());

const staging = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.restore-snapshot.tmp'));

/** A data dir with content of its own, inside a parent that is fingerprinted too. */
function dataDir(t: { after(fn: () => unknown): void }): { parent: string; data: string } {
  const { dir, cleanup } = tempDir('rlp-bbfault');
  t.after(cleanup);
  const data = join(dir, 'data');
  mkdirSync(join(data, 'db'), { recursive: true });
  writeFileSync(join(data, 'db/old.sst'), 'old');
  return { parent: dir, data };
}

let lastStderr = '';

/** One run of the executable; asserts the invariant and returns the outcome. */
async function restore(data: string, parent: string, url: string, extra: string[]): Promise<'restored' | string> {
  const before = tree(parent);
  const r = await runBin(BINARIES.sea, ['restore-snapshot', '--url', url, '--data-dir', data, '--sha256', SHA, '--retry-delay', '20ms', ...extra], { env: ENV, timeoutMs: 60_000 });
  lastStderr = r.stderr;
  for (const line of r.stderr.trim().split('\n')) assert.ok(line.startsWith('{'), `non-JSON stderr line: ${line}`);
  assert.deepEqual(staging(data), [], 'no staging dir left behind');
  if (r.code === 0) {
    assert.deepEqual(tree(data, (p) => p === MARKER || p === 'db/old.sst'), { ...expected, ...(expected['db'] ? {} : { db: 'dir' }) });
    assert.equal(JSON.parse(readFileSync(join(data, MARKER), 'utf8')).sha256, SHA);
    return 'restored';
  }
  assert.equal(r.code, 1, r.stderr);
  const errors = jsonLines(r.stderr).filter((l) => l.level === 'error' || l.level === 50);
  assert.equal(errors.length, 1, r.stderr);
  assert.ok(typeof errors[0]!.code === 'string' && String(errors[0]!.msg).length > 20, r.stderr);
  assert.equal(existsSync(join(data, MARKER)), false, 'no marker after a failure');
  assert.deepEqual(tree(parent), before, 'the data dir is untouched by a failed run');
  return String(errors[0]!.code);
}

const scenarios: Array<[string, string[], Faults]> = [
  ['drops, one stream', ['--concurrency', '1'], { dropAfter: { [NAME]: 3_000_000 }, dropTimes: 2 }],
  ['drops, parallel ranges', ['--concurrency', '8'], { dropAfter: { [NAME]: 1_000_000 }, dropTimes: 3 }],
  ['stalls', ['--concurrency', '8', '--stall-timeout', '1500ms', '--retries', '20'], { stallAfter: { [NAME]: 1_500_000 }, stallTimes: 2 }],
  ['206 from a later byte', ['--concurrency', '8'], { shiftRange: { [NAME]: 4096 }, shiftTimes: 2 }],
  ['206 from an earlier byte', ['--concurrency', '8'], { shiftRange: { [NAME]: -4096 }, shiftTimes: 2 }],
  ['closes after the body (HTTP/1.0 style)', ['--concurrency', '1'], { closeAfterBody: true }],
  ['closes after each range (HTTP/1.0 style)', ['--concurrency', '8'], { closeAfterBody: true }],
  ['Content-Length longer than the body (the connection ends short)', ['--concurrency', '1'], { lieLength: { [NAME]: 5000 } }],
  ['ignores Range', ['--concurrency', '8'], { ignoreRange: true, dropAfter: { [NAME]: 2_000_000 } }],
  ['object replaced mid-download', ['--concurrency', '1'], { changeAfter: { [NAME]: 1 }, dropAfter: { [NAME]: 2_000_000 } }],
  ['503 twice', [], { fail503: { [NAME]: 2 } }],
];

for (const [what, extra, faults] of scenarios) {
  test(`restore-snapshot (executable), server ${what}: restored, byte-identical`, async (t) => {
    const { parent, data } = dataDir(t);
    srv.setFaults(faults);
    assert.equal(await restore(data, parent, `${srv.url}/${NAME}`, extra), 'restored', lastStderr);
  });
}

test('restore-snapshot (executable), corrupt bytes once: a clear failure with nothing restored, then the rerun restores', async (t) => {
  const { parent, data } = dataDir(t);
  srv.setFaults({ corrupt: { [NAME]: 7_000_000 } });
  assert.equal(await restore(data, parent, `${srv.url}/${NAME}`, ['--concurrency', '8']), 'E_ARCHIVE_CORRUPT');
  assert.equal(await restore(data, parent, `${srv.url}/${NAME}`, ['--concurrency', '8']), 'restored');
});

test('restore-snapshot (executable) from Python\'s http.server (HTTP/1.0, no Range, closes after the body)', async (t) => {
  const { dir, cleanup } = tempDir('rlp-bbpy');
  t.after(cleanup);
  writeFileSync(join(dir, NAME), archive);
  const port = await freePort();
  const py = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  t.after(() => py.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.destroy(); r(true); }).on('error', () => r(false)));
    if (up) break;
    await sleep(50);
  }
  for (let i = 0; i < 3; i++) {
    const { parent, data } = dataDir(t);
    assert.equal(await restore(data, parent, `http://127.0.0.1:${port}/${NAME}`, []), 'restored');
  }
});

test('restore-snapshot (executable), SIGKILL mid-run and a rerun: restored, the killed run\'s staging dir removed', async (t) => {
  for (const afterEntries of [1, 12]) {
    const { parent, data } = dataDir(t);
    srv.setFaults({ throttleBps: 3_000_000 });
    const child = spawn(BINARIES.sea, ['restore-snapshot', '--url', `${srv.url}/${NAME}`, '--data-dir', data, '--sha256', SHA, '--progress-interval', '100ms'], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 400; i++) {
      const last = jsonLines(err).filter((l) => l.msg === 'restoring').at(-1);
      if (last && (last.entries as number) >= afterEntries) break;
      await sleep(25);
    }
    child.kill('SIGKILL');
    await exited;
    assert.equal(existsSync(join(data, MARKER)), false);
    assert.equal(staging(data).length, 1, 'the killed run left its staging dir');
    assert.equal(readFileSync(join(data, 'db/old.sst'), 'utf8'), 'old');
    srv.setFaults({});
    assert.equal(await restore(data, parent, `${srv.url}/${NAME}`, []), 'restored');
  }
});
