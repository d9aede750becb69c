// Black-box: with stderr on a terminal (a pty from util-linux `script`), the single executable draws
// rlp-import's download progress as one live line; through a pipe it writes JSON lines as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, runBin, jsonLines } from '../helpers/run-bin.js';
import { startFaultServer, tempDir } from '../rlp-import/helpers.js';
import type { FaultServer } from '../rlp-import/helpers.js';

const SCRIPT = ['/usr/bin/script', '/bin/script'].find((f) => existsSync(f));
const skip = !existsSync(BINARIES.sea) ? 'dist/luxops not built' : SCRIPT ? false : 'util-linux script (a pty) not installed';
let srv: FaultServer;
before(async () => {
  // 1.5 MB at 1 MB/s: a few live updates (every 0.5 s on a terminal)
  srv = await startFaultServer({ files: { 'x.bin': Buffer.alloc(1_500_000, 7) }, faults: { throttleBps: 1_000_000 } });
});
after(() => srv.close());

const args = (dir: string) => ['rlp-import', '--base-url', srv.url, '--file', 'x.bin', '--dest-dir', dir, '--download-only', '--no-validate'];

test('stderr on a terminal: one live progress line (percent, MB/s, ETA) and human lines', { skip }, async (t) => {
  const { dir, cleanup } = tempDir('tty-progress');
  t.after(cleanup);
  const r = await runBin(SCRIPT!, ['-q', '-e', '-c', [BINARIES.sea, ...args(dir)].join(' '), '/dev/null'], { env: { PATH: '/usr/bin:/bin', TERM: 'xterm' }, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stdout);
  const live = r.stdout.split('\r\x1b[2K').slice(1);
  assert.ok(live.length >= 2, JSON.stringify(r.stdout));
  assert.match(live[0]!, /^downloading +\d+\.\d% \[#*\.*\] [\d.]+ [kM]?B \/ 1\.5 MB {2}[\d.]+ [kM]?B\/s {2}ETA \d+s/);
  // the next ordinary line takes the live line's place (or follows the finished 100% line)
  assert.match(r.stdout, /(\r\x1b\[2K|100\.0%[^\n]*\r\n)\d\d:\d\d:\d\d INFO {2}rlp-import: download complete/);
  assert.doesNotMatch(r.stdout, /"level"/);
  assert.equal(existsSync(join(dir, 'x.bin')), true);
});

test('stderr through a pipe: JSON lines, no terminal control codes', { skip: existsSync(BINARIES.sea) ? false : 'dist/luxops not built' }, async (t) => {
  const { dir, cleanup } = tempDir('pipe-progress');
  t.after(cleanup);
  const r = await runBin(BINARIES.sea, args(dir), { env: { PATH: '/usr/bin:/bin' }, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /\x1b|\r/);
  for (const line of r.stderr.trim().split('\n')) assert.ok(line.startsWith('{'), line);
  assert.ok(jsonLines(r.stderr).some((l) => /^download complete/.test(String(l.msg))));
});
