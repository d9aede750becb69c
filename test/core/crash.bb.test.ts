// Black-box: a bug in either build (the .cjs bundle and the single executable) ends as one JSON line
// on stderr and exit 70, never as Node's multi-line report with a source excerpt (in the single
// executable that excerpt used to be `SyntaxError: Expecting Unicode escape sequence`). The hidden
// `__crash` command fails the way a bug would, after the entry is set up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { BINARIES, BIN_VARIANTS, runBin } from '../helpers/run-bin.js';
import { NODE_VERSION } from '../../scripts/node24.mjs';

for (const v of BIN_VARIANTS) {
  for (const how of ['exception', 'rejection'] as const) {
    test(`${v.name}: an ${how === "exception" ? "uncaught exception" : "unhandled rejection"} is one JSON line and exit 70`, { skip: existsSync(v.pre[0] ?? BINARIES.sea) ? false : 'not built' }, async () => {
      const r = await runBin(v.file, [...v.pre, '__crash', how], { env: { PATH: '/nonexistent' } });
      assert.equal(r.code, 70, r.stderr);
      assert.equal(r.stdout, '');
      const lines = r.stderr.split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.equal(lines[1], '');
      const j = JSON.parse(lines[0]!) as Record<string, string>;
      assert.equal(j.level, 'fatal');
      assert.equal(j.code, 'E_INTERNAL_CRASH');
      assert.equal(j.origin, how === 'exception' ? 'uncaughtException' : 'unhandledRejection');
      assert.match(j.msg!, /^(uncaught exception|unhandled rejection) \(a bug in luxops \d+\.\d+\.\d+\): deliberate crash/);
      assert.match(j.stack!, /\n {4}at crashOnPurpose \(/);
      // the executable embeds the pinned Node; the bundle runs on the test runner's (the same one)
      assert.equal(j.node, `v${NODE_VERSION}`);
      assert.doesNotMatch(r.stderr, /hunter2|s3cret|Expecting Unicode|SyntaxError|\.cache\/sea-/);
    });
  }
}
