// The recovery bound's state file: counted per window, recorded before anything is deleted,
// unreadable files block recoveries instead of resetting the count.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRecoveryState, recordRecoveryEnd, recordRecoveryStart, recoveryBudget, recoveryStatePath } from '../../src/startup/recovery-state.js';

const dir = mkdtempSync(join(tmpdir(), 'luxops-recstate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const H = 3600_000;

test('budget: max per window, the oldest leaving frees a slot, future records count', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  const at = (h: number) => ({ at: new Date(now - h * H).toISOString(), mode: 'reimport' as const, reason: 'x' });
  assert.deepEqual(recoveryBudget({ version: 1, recoveries: [] }, now, 2, 24 * H), { used: 0, max: 2, windowMs: 24 * H, allowed: true });
  assert.equal(recoveryBudget({ version: 1, recoveries: [at(30), at(5)] }, now, 2, 24 * H).allowed, true);
  const full = recoveryBudget({ version: 1, recoveries: [at(30), at(20), at(5)] }, now, 2, 24 * H);
  assert.equal(full.allowed, false);
  assert.equal(full.used, 2);
  assert.equal(full.nextAllowedAt, new Date(now - 20 * H + 24 * H).toISOString());
  assert.equal(recoveryBudget({ version: 1, recoveries: [at(-2)] }, now, 1, 24 * H).allowed, false);
  assert.equal(recoveryBudget({ version: 1, recoveries: [] }, now, 0, 24 * H).allowed, false);
});

test('state file: missing = empty; start and end recorded atomically; garbage blocks', async () => {
  const d = join(dir, 'data');
  const p = recoveryStatePath(d);
  const l = await loadRecoveryState(p);
  assert.deepEqual(l.doc, { version: 1, recoveries: [] });
  const rec = await recordRecoveryStart(p, l.doc!, { at: '2026-01-01T00:00:00.000Z', mode: 'reimport', reason: 'missing trie node' });
  assert.equal((await loadRecoveryState(p)).doc!.recoveries.length, 1);
  assert.equal(statSync(p).mode & 0o777, 0o644);
  await recordRecoveryEnd(p, l.doc!, rec, 'failed', '2026-01-01T00:10:00.000Z', 'import failed');
  assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')).recoveries[0], { at: '2026-01-01T00:00:00.000Z', mode: 'reimport', reason: 'missing trie node', outcome: 'failed', endedAt: '2026-01-01T00:10:00.000Z', error: 'import failed' });
  for (const bad of ['{', '[]', '{"version":2,"recoveries":[]}', '{"version":1,"recoveries":[{"at":"yesterday"}]}']) {
    writeFileSync(p, bad);
    const r = await loadRecoveryState(p);
    assert.equal(r.doc, undefined, bad);
    assert.match(r.problem!, /is not a luxops recovery state file/);
  }
});
