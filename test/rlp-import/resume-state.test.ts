// The resume record: which written bytes are trusted after a restart on the same boot vs a reboot,
// the version-1 format (every claimed byte synced), malformed records, and the kernel's boot id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadState, freshState, saveState } from '../../src/rlp-import/resume-state.js';
import { readBootId, BOOT_ID_PATH } from '../../src/core/boot-id.js';
import type { PartPlan } from '../../src/rlp-import/plan-parts.js';
import { tempDir } from './helpers.js';

const plan = (part: string, size: number | undefined, etag: string | undefined): PartPlan => ({ part, name: `x.rlp.${part}`, url: `http://127.0.0.1/x.rlp.${part}`, size, acceptRanges: true, etag });
const plans = [plan('aa', 100, '"a"'), plan('ab', 100, '"b"'), plan('ac', undefined, undefined)];

function withState(body: object, fn: (path: string) => Promise<void>) {
  const { dir, cleanup } = tempDir('resume-state');
  const path = join(dir, 'state.json');
  writeFileSync(path, JSON.stringify(body));
  return fn(path).finally(cleanup);
}

const v2 = (bootId: string | undefined, parts: Array<[number, number, boolean]>) => ({
  version: 2, file: 'x.rlp', bootId,
  parts: parts.map(([done, synced, complete], i) => ({ name: plans[i]!.name, size: plans[i]!.size, etag: plans[i]!.etag, done, synced, complete })),
});

test('same boot: every written byte is trusted', async () => {
  await withState(v2('boot-a', [[100, 10, true], [50, 0, false], [70, 20, true]]), async (path) => {
    const r = (await loadState(path, 'x.rlp', plans, 'boot-a'))!;
    assert.equal(r.distrustedBytes, 0);
    assert.deepEqual(r.state.parts.map((p) => [p.done, p.complete]), [[100, true], [50, false], [70, true]]);
  });
});

test('another boot (or none readable now): only synced bytes are trusted; an unknown-size part is no longer complete', async () => {
  for (const now of ['boot-b', undefined]) {
    await withState(v2('boot-a', [[100, 10, true], [50, 50, false], [70, 20, true]]), async (path) => {
      const r = (await loadState(path, 'x.rlp', plans, now))!;
      assert.equal(r.distrustedBytes, 90 + 0 + 50);
      assert.deepEqual(r.state.parts.map((p) => [p.done, p.synced, p.complete]), [[10, 10, false], [50, 50, false], [20, 20, false]]);
      assert.equal(r.state.bootId, now);
    });
  }
  // fully synced parts stay complete across a reboot
  await withState(v2('boot-a', [[100, 100, true], [0, 0, false], [70, 70, true]]), async (path) => {
    const r = (await loadState(path, 'x.rlp', plans, 'boot-b'))!;
    assert.equal(r.distrustedBytes, 0);
    assert.deepEqual(r.state.parts.map((p) => p.complete), [true, false, true]);
  });
});

test('a version-1 record (synced before every save) is trusted whole', async () => {
  const v1 = { version: 1, file: 'x.rlp', parts: v2(undefined, [[100, 0, true], [30, 0, false], [5, 0, false]]).parts.map(({ synced: _s, ...p }) => p) };
  await withState(v1, async (path) => {
    const r = (await loadState(path, 'x.rlp', plans, 'boot-z'))!;
    assert.equal(r.distrustedBytes, 0);
    assert.deepEqual(r.state.parts.map((p) => [p.done, p.synced]), [[100, 100], [30, 30], [5, 5]]);
    assert.equal(r.state.version, 2);
  });
});

test('malformed or mismatched records are ignored (start over)', async () => {
  const bad: object[] = [
    v2('boot-a', [[50, 60, false], [0, 0, false], [0, 0, false]]), // synced > done
    v2('boot-a', [[50, -1, false], [0, 0, false], [0, 0, false]]),
    { ...v2('boot-a', [[0, 0, false], [0, 0, false], [0, 0, false]]), version: 3 },
    { ...v2('boot-a', [[0, 0, false], [0, 0, false], [0, 0, false]]), file: 'y.rlp' },
    v2('boot-a', [[101, 0, false], [0, 0, false], [0, 0, false]]),
  ];
  for (const body of bad) await withState(body, async (path) => assert.equal(await loadState(path, 'x.rlp', plans, 'boot-a'), undefined));
  await withState({}, async (path) => {
    writeFileSync(path, '{not json');
    assert.equal(await loadState(path, 'x.rlp', plans, 'boot-a'), undefined);
  });
});

test('saveState round-trips a fresh state with its boot id', async () => {
  const { dir, cleanup } = tempDir('resume-save');
  try {
    const path = join(dir, 'st.json');
    const st = freshState('x.rlp', plans, 'boot-q');
    st.parts[0]!.done = 40;
    st.parts[0]!.synced = 30;
    await saveState(path, st);
    const back = (await loadState(path, 'x.rlp', plans, 'boot-q'))!;
    assert.deepEqual(back.state.parts[0], { ...st.parts[0], complete: false });
  } finally {
    cleanup();
  }
});

test('readBootId reads the kernel boot id; a missing or empty file gives undefined', async () => {
  if (existsSync(BOOT_ID_PATH)) assert.equal(await readBootId(), readFileSync(BOOT_ID_PATH, 'utf8').trim());
  assert.equal(await readBootId('/nonexistent/boot_id'), undefined);
  const { dir, cleanup } = tempDir('bootid');
  try {
    writeFileSync(join(dir, 'b'), '\n');
    assert.equal(await readBootId(join(dir, 'b')), undefined);
  } finally {
    cleanup();
  }
});
