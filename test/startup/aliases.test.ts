// Alias parsing, the aliases-file merge, and aliasChain retry discipline against bare HTTP servers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyAliases } from '../../src/startup/aliases.js';
import { parseAliases, isBlockchainId } from '../../src/startup/alias-spec.js';
import { mergeAliases, mergeAliasesFile } from '../../src/startup/aliases-file.js';
import type { AliasStatus } from '../../src/startup/state.js';
import { silentLogger } from '../../src/core/log.js';
import { UsageError } from '../../src/core/errors.js';
import { tempDir } from './helpers.js';

const C_ID = '2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM';
const P_ID = '11111111111111111111111111111111LpoYY';

test('parseAliases: NAME=CHAIN, errors name the entry', () => {
  assert.deepEqual(parseAliases(['zoo=C', ` lux = ${C_ID}`]), [{ alias: 'zoo', chain: 'C' }, { alias: 'lux', chain: C_ID }]);
  for (const bad of ['zoo', '=C', 'zoo=', 'a b=C']) {
    assert.throws(() => parseAliases([bad]), (e: unknown) => e instanceof UsageError && e.message.includes('--alias') && e.message.includes(JSON.stringify(bad)));
  }
  assert.throws(() => parseAliases([`${'a'.repeat(513)}=C`]), /longer than 512/);
});

test('isBlockchainId tells IDs from aliases', () => {
  assert.equal(isBlockchainId(C_ID), true);
  assert.equal(isBlockchainId(P_ID), true);
  assert.equal(isBlockchainId('C'), false);
  assert.equal(isBlockchainId('zoo'), false);
});

test('mergeAliases keeps other entries, adds new names, moves a name from another chain', () => {
  const r = mergeAliases({ [P_ID]: ['p', 'lux'], other: ['o'] }, [{ alias: 'lux', chain: C_ID }, { alias: 'zoo', chain: 'C' }]);
  assert.deepEqual(r.doc, { [P_ID]: ['p'], other: ['o'], [C_ID]: ['lux'] });
  assert.equal(r.changed, true);
  assert.deepEqual(r.moved, ['lux']);
  assert.equal(mergeAliases(r.doc, [{ alias: 'lux', chain: C_ID }]).changed, false);
});

test('mergeAliasesFile writes atomically, leaves no temp file, rejects a malformed file untouched', async () => {
  const dir = tempDir();
  const file = join(dir, 'configs', 'chains', 'aliases.json');
  await mergeAliasesFile(file, [{ alias: 'lux', chain: C_ID }, { alias: 'zoo', chain: 'C' }], silentLogger());
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { [C_ID]: ['lux'] });
  await mergeAliasesFile(file, [{ alias: 'lux2', chain: C_ID }], silentLogger());
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { [C_ID]: ['lux', 'lux2'] });
  assert.deepEqual(readdirSync(join(dir, 'configs', 'chains')), ['aliases.json']);
  writeFileSync(file, '{"x": "not a list"}');
  await assert.rejects(mergeAliasesFile(file, [{ alias: 'lux', chain: C_ID }], silentLogger()), (e: { code?: string; message: string }) => e.code === 'E_ALIASES_FILE' && /wrong shape/.test(e.message));
  writeFileSync(file, '{oops');
  await assert.rejects(mergeAliasesFile(file, [{ alias: 'lux', chain: C_ID }], silentLogger()), /not valid JSON/);
  assert.equal(readFileSync(file, 'utf8'), '{oops');
  // no ID aliases: nothing is read or written
  await mergeAliasesFile(file, [{ alias: 'zoo', chain: 'C' }], silentLogger());
  assert.equal(readFileSync(file, 'utf8'), '{oops');
});

async function adminServer(answer: (n: number) => { status: number; body: string }): Promise<{ url: string; calls: () => number }> {
  let n = 0;
  const s = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer(++n);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => s.close(() => r())));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, calls: () => n };
}

const ok = { status: 200, body: '{"jsonrpc":"2.0","result":{},"id":1}' };
const unavailable = { status: 503, body: 'busy' };

test('transient 5xx is retried with backoff until it works', async () => {
  const srv = await adminServer((n) => (n <= 2 ? unavailable : ok));
  const st: AliasStatus[] = [{ alias: 'zoo', chain: 'C', state: 'pending' }];
  assert.equal(await applyAliases(st, { apiUrl: srv.url, prefix: '/ext', log: silentLogger(), minBackoffMs: 5 }), 0);
  assert.equal(st[0]!.state, 'done');
  assert.equal(srv.calls(), 3);
});

test('retries are bounded at 5 tries, then the alias fails and the next one is still applied', async () => {
  const srv = await adminServer((n) => (n <= 5 ? unavailable : ok));
  const st: AliasStatus[] = [{ alias: 'a', chain: 'C', state: 'pending' }, { alias: 'b', chain: 'C', state: 'pending' }];
  assert.equal(await applyAliases(st, { apiUrl: srv.url, prefix: '/v1', log: silentLogger(), minBackoffMs: 5 }), 1);
  assert.equal(srv.calls(), 6);
  assert.equal(st[0]!.state, 'failed');
  assert.match(st[0]!.error!, /503 Service Unavailable/);
  assert.equal(st[1]!.state, 'done');
});

test('a JSON-RPC error is permanent: one call, luxd\'s message kept', async () => {
  const srv = await adminServer(() => ({ status: 200, body: '{"jsonrpc":"2.0","error":{"code":-32000,"message":"alias length is too long","data":null},"id":1}' }));
  const st: AliasStatus[] = [{ alias: 'x', chain: 'C', state: 'pending' }];
  assert.equal(await applyAliases(st, { apiUrl: srv.url, prefix: '/ext', log: silentLogger(), minBackoffMs: 5 }), 1);
  assert.equal(srv.calls(), 1);
  assert.equal(st[0]!.error, 'luxd said: alias length is too long');
});

test('abort stops the alias loop with the abort reason', async () => {
  const srv = await adminServer(() => unavailable);
  const ac = new AbortController();
  const st: AliasStatus[] = [{ alias: 'x', chain: 'C', state: 'pending' }];
  setTimeout(() => ac.abort(new Error('stopping')), 50);
  await assert.rejects(applyAliases(st, { apiUrl: srv.url, prefix: '/ext', log: silentLogger(), minBackoffMs: 20, signal: ac.signal }), /stopping/);
});
