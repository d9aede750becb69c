// The logger's secret censoring (src/core/log.ts censorSecrets) and its ICU-free timestamps
// (src/core/utc-time.ts): what replaced pino's `redact` paths and stdTimeFunctions.isoTime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { censorSecrets, createLogger, SECRET_FIELDS } from '../../src/core/log.js';
import { httpDate, isoUtc } from '../../src/core/utc-time.js';

const sink = () => {
  const lines: string[] = [];
  return { write: (s: string) => (lines.push(s), true), lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

test('secret fields are censored at any depth, in arrays, in errors and in child bindings', () => {
  const s = sink();
  const log = createLogger({ level: 'info', component: 'c', sink: s });
  const err = Object.assign(new Error('denied'), { token: 'tok-err-1' });
  log.info({ token: 'tok-1', config: { faucetKey: '0xkey', url: 'http://x' }, req: { headers: { authorization: 'Bearer b', cookie: 'c=1', accept: '*/*' } }, list: [{ password: 'p' }, 'plain'], deep: { a: { b: { c: { secret: 's' } } } } }, 'hello');
  log.error({ err }, 'failed');
  log.child({ dataKey: 'dk', part: 3 }).warn('child');
  const text = s.lines().map((l) => JSON.stringify(l)).join('\n');
  for (const secret of ['tok-1', '0xkey', 'Bearer b', 'c=1', '"p"', '"s"', 'tok-err-1', '"dk"']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  const [a, b, c] = s.lines() as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual(a.config, { faucetKey: '[redacted]', url: 'http://x' });
  assert.deepEqual(a.req, { headers: { authorization: '[redacted]', cookie: '[redacted]', accept: '*/*' } });
  assert.deepEqual(a.list, [{ password: '[redacted]' }, 'plain']);
  assert.deepEqual(a.deep, { a: { b: { c: { secret: '[redacted]' } } } });
  // the error is still printed as an error: its message and stack survive, its token does not
  assert.equal((b.err as Record<string, unknown>).message, 'denied');
  assert.equal((b.err as Record<string, unknown>).type, 'Error');
  assert.match(String((b.err as Record<string, unknown>).stack), /denied/);
  assert.equal((b.err as Record<string, unknown>).token, '[redacted]');
  assert.equal(c.dataKey, '[redacted]');
  assert.equal(c.part, 3);
  assert.equal(err.token, 'tok-err-1', 'the caller\'s error is not changed');
});

test('censoring is copy-on-write: the caller\'s objects are untouched, a clean object is returned as is', () => {
  const clean = { a: 1, b: { c: [1, 2, { d: 'x' }] } };
  assert.equal(censorSecrets(clean), clean);
  const dirty = { a: { key: 'k', keep: 1 }, b: [{ privateKey: 'pk' }] };
  const out = censorSecrets(dirty);
  assert.notEqual(out, dirty);
  assert.deepEqual(out, { a: { key: '[redacted]', keep: 1 }, b: [{ privateKey: '[redacted]' }] });
  assert.deepEqual(dirty, { a: { key: 'k', keep: 1 }, b: [{ privateKey: 'pk' }] });
  // class instances (a Buffer, a URL) are left to pino's serializers
  const buf = Buffer.from('token');
  assert.equal(censorSecrets({ buf }).buf, buf);
  // a cycle or a very deep object ends at the depth limit instead of recursing forever
  const cyc: Record<string, unknown> = { name: 'x' };
  cyc.self = cyc;
  assert.doesNotThrow(() => censorSecrets(cyc));
  for (const name of ['key', 'token', 'authorization', 'Authorization', 'faucetKey', 'cookie']) assert.ok(SECRET_FIELDS.has(name), name);
});

test('log lines carry an ISO 8601 UTC time, as pino\'s isoTime wrote it', () => {
  const s = sink();
  const before = Date.now();
  createLogger({ level: 'info', component: 'c', sink: s }).info('t');
  const t = String(s.lines()[0]?.time);
  assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Date.parse(t) >= before - 1 && Date.parse(t) <= Date.now());
});

test('isoUtc and httpDate match toISOString and toUTCString byte for byte', () => {
  const samples = [0, 1, -1, 951_782_400_000 /* 2000-02-29 */, 1_764_763_200_999, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), Date.UTC(-1, 5, 1), Date.UTC(99, 0, 1) - Date.UTC(1999, 0, 1) + Date.UTC(99, 0, 1)];
  // a bounded pseudo-random sweep over 1970-2100 (fixed seed: the same cases every run)
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    samples.push(Math.floor((x / 2 ** 31) * 4_102_444_800_000));
  }
  for (const ms of samples) {
    assert.equal(isoUtc(ms), new Date(ms).toISOString(), String(ms));
    assert.equal(httpDate(ms), new Date(ms).toUTCString(), String(ms));
  }
  assert.throws(() => isoUtc(NaN), RangeError);
  assert.equal(httpDate(NaN), 'Invalid Date');
});
