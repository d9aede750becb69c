// Proof of work: challenges verify once, only for their address, before expiry, only with this
// faucet's key and enough leading zero bits; the browser worker's SHA-256 finds the same answers as
// node:crypto; auto difficulty follows the drip rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { PowGuard, leadingZeroBits, parseNonce, powHash, solvePow } from '../../src/faucet/pow.js';
import { WORKER } from '../../src/faucet/pow-worker.js';

const ADDR = '0x1111111111111111111111111111111111111111';
const OTHER = '0x2222222222222222222222222222222222222222';

function guard(over: Partial<ConstructorParameters<typeof PowGuard>[0]> = {}) {
  let t = 1_700_000_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const g = new PowGuard({ key: randomBytes(32), difficulty: 8, ttlMs: 60_000, maxTracked: 1000, now: clock.now, ...over });
  return { g, clock };
}

test('leading zero bits and nonce parsing', () => {
  assert.equal(leadingZeroBits(Buffer.from([0, 0, 0x80])), 16);
  assert.equal(leadingZeroBits(Buffer.from([0x0f])), 4);
  assert.equal(leadingZeroBits(Buffer.from([0, 1])), 15);
  assert.equal(leadingZeroBits(Buffer.alloc(4)), 32);
  assert.equal(parseNonce('123'), 123);
  assert.equal(parseNonce(7), 7);
  for (const bad of ['-1', '1.5', '', '0x10', '99999999999999999', -1, 1.5, 2 ** 53, null, {}]) assert.equal(parseNonce(bad), undefined, String(bad));
});

test('a solved challenge verifies once, for its address only', () => {
  const { g } = guard();
  const c = g.issue(ADDR);
  assert.equal(c.difficulty, 8);
  assert.equal(Buffer.from(c.challenge.split('.')[1]!, 'base64url').toString('hex'), c.seed, 'seed = the MAC part');
  const s = solvePow(c.seed, c.difficulty)!;
  assert.ok(leadingZeroBits(powHash(Buffer.from(c.seed, 'hex'), s.nonce)) >= 8);
  const wrongAddr = g.verify(OTHER, c.challenge, String(s.nonce));
  assert.equal(wrongAddr.ok ? 'ok' : wrongAddr.reason, 'address');
  assert.deepEqual(g.verify(ADDR.toUpperCase().replace('0X', '0x'), c.challenge, String(s.nonce)), { ok: true, difficulty: 8 });
  const again = g.verify(ADDR, c.challenge, String(s.nonce));
  assert.equal(again.ok ? 'ok' : again.reason, 'reused');
  assert.equal(g.tracked, 1);
});

test('wrong, forged, expired and malformed proofs are refused with their reason', () => {
  const { g, clock } = guard({ difficulty: 12 });
  const c = g.issue(ADDR);
  const s = solvePow(c.seed, 12)!;
  // a nonce that does not reach 12 bits
  let bad = 0;
  while (leadingZeroBits(powHash(Buffer.from(c.seed, 'hex'), bad)) >= 12) bad++;
  const reason = (r: ReturnType<PowGuard['verify']>) => (r.ok ? 'ok' : r.reason);
  assert.equal(reason(g.verify(ADDR, c.challenge, String(bad))), 'insufficient');
  assert.equal(reason(g.verify(ADDR, undefined, '1')), 'missing');
  assert.equal(reason(g.verify(ADDR, 'abc', '1')), 'malformed');
  assert.equal(reason(g.verify(ADDR, c.challenge, 'x')), 'malformed');
  assert.equal(reason(g.verify(ADDR, 'a'.repeat(300), '1')), 'malformed');
  // another key (another faucet, or a rotated key) and a tampered difficulty byte: forged
  const other = guard({ difficulty: 12 }).g;
  assert.equal(reason(other.verify(ADDR, c.challenge, String(s.nonce))), 'forged');
  const [p, mac] = c.challenge.split('.') as [string, string];
  const payload = Buffer.from(p, 'base64url');
  payload[1] = 0;
  assert.equal(reason(g.verify(ADDR, `${payload.toString('base64url')}.${mac}`, '0')), 'forged');
  clock.advance(60_001);
  assert.equal(reason(g.verify(ADDR, c.challenge, String(s.nonce))), 'expired');
  assert.equal(g.failures.get('expired'), 1);
});

test('used tokens are forgotten after expiry; a full table refuses instead of forgetting early', () => {
  const { g, clock } = guard({ difficulty: 1, maxTracked: 2 });
  const solve = () => {
    const c = g.issue(ADDR);
    return g.verify(ADDR, c.challenge, String(solvePow(c.seed, 1)!.nonce));
  };
  assert.ok(solve().ok);
  assert.ok(solve().ok);
  const full = solve();
  assert.equal(full.ok ? 'ok' : full.reason, 'busy');
  clock.advance(60_001);
  assert.ok(solve().ok, 'expired entries are swept when the table is full');
  assert.equal(g.tracked, 1);
});

test('auto difficulty rises one bit per doubling of the drip rate over the target, up to the maximum', () => {
  const { g, clock } = guard({ difficulty: 10, auto: { maxDifficulty: 13, targetCount: 4, windowMs: 60_000 } });
  assert.equal(g.currentDifficulty(), 10);
  for (let i = 0; i < 4; i++) g.recordDrip();
  assert.equal(g.currentDifficulty(), 10);
  g.recordDrip();
  assert.equal(g.currentDifficulty(), 11);
  for (let i = 0; i < 3; i++) g.recordDrip();
  assert.equal(g.currentDifficulty(), 11, '8 = 2x target');
  g.recordDrip();
  assert.equal(g.currentDifficulty(), 12);
  for (let i = 0; i < 100; i++) g.recordDrip();
  assert.equal(g.currentDifficulty(), 13, 'capped');
  assert.equal(g.issue(ADDR).difficulty, 13);
  clock.advance(60_001);
  assert.equal(g.currentDifficulty(), 10, 'back down once the window has passed');
});

test('the browser worker finds the same solutions as node:crypto (same source, run in a VM)', () => {
  const sandbox: { module: { exports: { solve?: (seed: string, bits: number, report: (n: number) => void) => number } } } = { module: { exports: {} } };
  runInNewContext(WORKER, sandbox);
  const solve = sandbox.module.exports.solve!;
  for (let i = 0; i < 5; i++) {
    const seed = randomBytes(32).toString('hex');
    const reports: number[] = [];
    const n = solve(seed, 14, (a) => reports.push(a));
    assert.equal(n, solvePow(seed, 14)!.nonce, 'first solution is the same');
    // node:crypto agrees on the hash itself
    const msg = Buffer.concat([Buffer.from(seed, 'hex'), Buffer.alloc(8)]);
    msg.writeUInt32BE(n >>> 0, 36);
    assert.ok(leadingZeroBits(createHash('sha256').update(msg).digest()) >= 14);
    assert.ok(reports.every((a) => a % 32768 === 0));
  }
});
