// rlp-import --download-only in-process against the fault-injecting file server (and s3rver):
// assembly in place, every injected fault, checksums, corrupt RLP, .gz, unknown sizes, free space.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { fetchPart } from '../../src/rlp-import/fetch-part.js';
import { createHttpSource } from '../../src/objects/http-source.js';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureDeps } from '../helpers/deps.js';
import { rlpImportCommand } from '../../src/rlp-import/command.js';
import { runRlpImport } from '../../src/rlp-import/import-job.js';
import { silentLogger } from '../../src/core/log.js';
import { parseArgs } from '../../src/core/options.js';
import { rlpImportOptions } from '../../src/rlp-import/options.js';
import { buildChain, splitBytes, sha256hex } from './rlp-fixture.js';
import { startFaultServer, tempDir, runMain, errorLine, startS3, S3_ENV } from './helpers.js';
import type { FaultServer, ServedRequest } from './helpers.js';

const CHAIN = buildChain(1, 4000);
const PART = 400_000;
const PARTS = splitBytes(CHAIN, PART);
const files: Record<string, Uint8Array> = { 'lux.rlp': CHAIN, 'lux.rlp.gz': gzipSync(CHAIN) };
for (const { part, data } of PARTS) files[`lux.rlp.${part}`] = data;
// a corrupt copy: one byte inside block 2001's head replaced, so its number no longer follows
const BAD = Buffer.from(CHAIN);
let badOffset = 0;
{
  const s = buildChain(1, 2000).length;
  badOffset = s;
  BAD[s] = 0x80; // a string where a block list must start
  for (const { part, data } of splitBytes(BAD, PART)) files[`bad.rlp.${part}`] = data;
}
files['SHA256SUMS'] = Buffer.from([...PARTS.map((p) => `${sha256hex(p.data)}  lux.rlp.${p.part}`), `${sha256hex(CHAIN)}  lux.rlp`].join('\n') + '\n');
files['WRONGSUMS'] = Buffer.from(`${'0'.repeat(64)}  lux.rlp.ac\n`);
files['UNRELATED'] = Buffer.from(`${'0'.repeat(64)}  other.rlp\n`);

let srv: FaultServer;
before(async () => {
  srv = await startFaultServer({ files });
});
after(() => srv.close());

function args(dir: string, extra: string[] = []): string[] {
  return ['--base-url', srv.url, '--file', 'lux.rlp', '--dest-dir', dir, '--download-only', '--retry-delay', '10ms', ...extra];
}

async function fetchOk(extra: string[], faults = {}) {
  srv.setFaults(faults);
  srv.requests.length = 0;
  const { dir, cleanup } = tempDir('rlp-dl');
  try {
    const { code, deps } = await runMain(rlpImportCommand, args(dir, extra));
    assert.equal(code, 0, deps.err());
    assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN), 'assembled file equals the export');
    // no part files, no temp files: only the output and its resume state
    assert.deepEqual(readdirSync(dir).sort(), ['.lux.rlp.rlp-import-state.json', 'lux.rlp']);
    return { deps, requests: [...srv.requests] };
  } finally {
    cleanup();
  }
}

const gets = (r: ServedRequest[], name?: string) => r.filter((x) => x.method === 'GET' && (name === undefined || x.name === name));

test('multi-part happy path: listed parts assembled in place and validated', async () => {
  const { deps, requests } = await fetchOk(['--parts', PARTS.map((p) => p.part).join(','), '--concurrency', '3']);
  assert.equal(gets(requests).length, PARTS.length);
  const done = deps.logs().find((l) => l.msg === 'download complete')!;
  assert.equal(done.blocks, 4000);
  assert.equal(done.firstBlock, 1);
  assert.equal(done.lastBlock, 4000);
  assert.equal(done.bytes, CHAIN.length);
});

test('--parts auto probes aa, ab, ... (4 at a time) and stops at the first 404', async () => {
  const { requests } = await fetchOk(['--parts', 'auto']);
  const heads = requests.filter((r) => r.method === 'HEAD');
  const names = PARTS.map((p) => `lux.rlp.${p.part}`);
  for (const n of names) assert.ok(heads.some((h) => h.name === n && h.status === 200), `HEAD ${n}`);
  const misses = heads.filter((h) => h.status === 404);
  // the window that holds the first missing name is the last one probed
  assert.ok(misses.length >= 1 && misses.length <= 4, `${misses.length} probes past the last part`);
  assert.equal(heads.length, Math.ceil((names.length + 1) / 4) * 4);
  assert.deepEqual(requests.filter((r) => r.method === 'GET').map((r) => r.name).sort(), names.sort());
});

test('--parts auto: the parts are those before the first 404, even when a later name exists', async () => {
  const { dir, cleanup } = tempDir('rlp-auto-gap');
  const gapSrv = await startFaultServer({ files: { 'g.rlp.aa': PARTS[0]!.data, 'g.rlp.ab': PARTS[1]!.data, 'g.rlp.ad': PARTS[2]!.data } });
  try {
    const { code, deps } = await runMain(rlpImportCommand, ['--base-url', gapSrv.url, '--file', 'g.rlp', '--parts', 'auto', '--dest-dir', dir, '--download-only', '--no-validate']);
    assert.equal(code, 0, deps.err());
    assert.deepEqual(gapSrv.requests.filter((r) => r.method === 'GET').map((r) => r.name).sort(), ['g.rlp.aa', 'g.rlp.ab']);
    assert.equal(readFileSync(join(dir, 'g.rlp')).length, PARTS[0]!.data.length + PARTS[1]!.data.length);
  } finally {
    await gapSrv.close();
    cleanup();
  }
});

test('a single object (no --parts), and a .gz export validated through gunzip', async () => {
  await fetchOk([]);
  srv.setFaults({});
  const { dir, cleanup } = tempDir('rlp-gz');
  try {
    const { code, deps } = await runMain(rlpImportCommand, ['--base-url', srv.url, '--file', 'lux.rlp.gz', '--dest-dir', dir, '--download-only']);
    assert.equal(code, 0, deps.err());
    assert.equal(deps.logs().find((l) => l.msg === 'download complete')!.lastBlock, 4000);
  } finally {
    cleanup();
  }
});

test('a dropped connection resumes that part with Range from the last written byte', async () => {
  const { requests } = await fetchOk(['--parts', 'auto'], { dropAfter: { 'lux.rlp.ab': 350_000 } });
  const ab = gets(requests, 'lux.rlp.ab');
  assert.equal(ab.length, 2);
  assert.equal(ab[0]!.range, null);
  // writes are batched, so the resume point is at or before the drop point, never after it
  const from = Number(/^bytes=(\d+)-$/.exec(ab[1]!.range ?? '')?.[1]);
  assert.ok(from > 0 && from <= 350_000, `resumed from ${from}`);
  assert.equal(ab[1]!.status, 206);
});

test('503 once is retried', async () => {
  const { requests } = await fetchOk(['--parts', 'auto'], { fail503: { 'lux.rlp.ac': 1 } });
  assert.deepEqual(gets(requests, 'lux.rlp.ac').map((r) => r.status), [503, 200]);
});

test('a server that ignores Range restarts the part from byte 0', async () => {
  const { deps, requests } = await fetchOk(['--parts', 'auto'], { dropAfter: { 'lux.rlp.ad': 300_000 }, ignoreRange: true });
  const ad = gets(requests, 'lux.rlp.ad');
  assert.equal(ad.length, 2);
  assert.notEqual(ad[1]!.range, null);
  assert.equal(ad[1]!.status, 200);
  assert.ok(deps.logs().some((l) => l.msg === 'server ignored the Range request; restarting this part'));
});

test('a lying Content-Length fails that attempt and the retry succeeds', async () => {
  const { requests } = await fetchOk(['--parts', 'auto'], { lieLength: { 'lux.rlp.aa': 1000 } });
  assert.equal(gets(requests, 'lux.rlp.aa').length, 2);
});

test('throttled connections and unknown sizes (sequential append) still assemble', async () => {
  await fetchOk(['--parts', 'auto'], { throttleBps: 8_000_000 });
  const { requests } = await fetchOk(['--parts', 'auto', '--concurrency', '4'], { noLength: true, dropAfter: { 'lux.rlp.ab': 50_000 } });
  // unknown sizes: strictly one part after another, and the dropped part restarts (no ranges)
  const order = gets(requests).map((r) => r.name);
  assert.deepEqual(order, [...PARTS.map((p) => `lux.rlp.${p.part}`)].flatMap((n) => (n === 'lux.rlp.ab' ? [n, n] : [n])));
});

test('retries are bounded: a part that keeps failing exits 1 naming its URL', async () => {
  srv.setFaults({ fail503: { 'lux.rlp.ab': 100 } });
  const { dir, cleanup } = tempDir('rlp-503');
  try {
    const { code, deps } = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto', '--retries', '2']));
    assert.equal(code, 1);
    const line = deps.logs().find((l) => l.level === 'error')!;
    assert.match(String(line.msg), /lux\.rlp\.ab.*503/);
  } finally {
    cleanup();
  }
});

test('a listed part that does not exist fails with E_PART_NOT_FOUND', async () => {
  srv.setFaults({});
  const { dir, cleanup } = tempDir('rlp-404');
  try {
    const { code, deps } = await runMain(rlpImportCommand, args(dir, ['--parts', 'aa,zz']));
    assert.equal(code, 1);
    assert.match(String(errorLine(deps, 'E_PART_NOT_FOUND')!.msg), /lux\.rlp\.zz does not exist/);
    assert.equal(existsSync(join(dir, 'lux.rlp')), false);
  } finally {
    cleanup();
  }
});

test('checksums: part and whole-file digests verified; a mismatch names the part and resets only it', async () => {
  await fetchOk(['--parts', 'auto', '--checksums-url', `${srv.url}/SHA256SUMS`, '--sha256', sha256hex(CHAIN)]);
  srv.setFaults({});
  const { dir, cleanup } = tempDir('rlp-sum');
  try {
    const r = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto', '--checksums-url', `${srv.url}/WRONGSUMS`]));
    assert.equal(r.code, 1);
    assert.match(String(errorLine(r.deps, 'E_CHECKSUM_MISMATCH')!.msg), /part ac .*lux\.rlp\.ac/);
    const st = JSON.parse(readFileSync(join(dir, '.lux.rlp.rlp-import-state.json'), 'utf8')) as { parts: Array<{ done: number; complete: boolean }> };
    assert.deepEqual(st.parts.map((p) => p.complete), PARTS.map((_, i) => i !== 2));
    assert.ok(existsSync(join(dir, 'lux.rlp')));
    const w = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto', '--sha256', 'ab'.repeat(32)]));
    assert.equal(w.code, 1);
    assert.match(String(errorLine(w.deps, 'E_CHECKSUM_MISMATCH')!.msg), /sha256 mismatch for lux\.rlp/);
    const u = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto', '--checksums-url', `${srv.url}/UNRELATED`]));
    assert.equal(u.code, 1);
    assert.ok(errorLine(u.deps, 'E_CHECKSUMS_NO_MATCH'));
  } finally {
    cleanup();
  }
});

test('corrupt RLP fails before import, naming the byte offset and the part', async () => {
  srv.setFaults({});
  const { dir, cleanup } = tempDir('rlp-bad');
  try {
    const { code, deps } = await runMain(rlpImportCommand, ['--base-url', srv.url, '--file', 'bad.rlp', '--parts', 'auto', '--dest-dir', dir, '--download-only']);
    assert.equal(code, 1);
    const line = errorLine(deps, 'E_RLP_INVALID')!;
    const part = splitBytes(BAD, PART)[Math.floor(badOffset / PART)]!.part;
    assert.equal(line.offset, badOffset);
    assert.equal(line.part, `bad.rlp.${part}`);
    assert.match(String(line.msg), new RegExp(`byte offset ${badOffset} \\(part bad\\.rlp\\.${part}\\)`));
  } finally {
    cleanup();
  }
});

test('--no-validate skips the scan (the corrupt file downloads)', async () => {
  srv.setFaults({});
  const { dir, cleanup } = tempDir('rlp-noval');
  try {
    const { code } = await runMain(rlpImportCommand, ['--base-url', srv.url, '--file', 'bad.rlp', '--parts', 'auto', '--dest-dir', dir, '--download-only', '--no-validate']);
    assert.equal(code, 0);
  } finally {
    cleanup();
  }
});

test('not enough free space: needed vs available, nothing written', async () => {
  srv.setFaults({});
  const { dir, cleanup } = tempDir('rlp-space');
  try {
    const config = parseArgs(rlpImportOptions, args(dir, ['--parts', 'auto']), {}).config;
    await assert.rejects(runRlpImport(config, { log: silentLogger(), signal: new AbortController().signal }, { freeBytes: async () => 1000 }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_NO_SPACE');
      assert.match(e.message, new RegExp(`need ${CHAIN.length} bytes, available 1000`));
      return true;
    });
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});

test('resume state: a second run with everything on disk fetches nothing', async () => {
  srv.setFaults({});
  const { dir, cleanup } = tempDir('rlp-again');
  try {
    assert.equal((await runMain(rlpImportCommand, args(dir, ['--parts', 'auto']))).code, 0);
    srv.requests.length = 0;
    const { code, deps } = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto']));
    assert.equal(code, 0);
    assert.equal(gets(srv.requests).length, 0);
    assert.equal(deps.logs().find((l) => l.msg === 'download complete')!.fetchedBytes, 0);
    // a state file that does not match the remote objects is ignored (start over)
    writeFileSync(join(dir, '.lux.rlp.rlp-import-state.json'), '{"version":1,"file":"lux.rlp","parts":[]}');
    srv.requests.length = 0;
    assert.equal((await runMain(rlpImportCommand, args(dir, ['--parts', 'auto']))).code, 0);
    assert.equal(gets(srv.requests).length, PARTS.length);
  } finally {
    cleanup();
  }
});

test('s3:// base URL read with ranged GETs from s3rver (parts and a checksums object)', async (t) => {
  const s3 = await startS3('exports');
  t.after(() => s3.close());
  for (const { part, data } of PARTS) await s3.put(`mainnet/lux.rlp.${part}`, data);
  await s3.put('mainnet/SHA256SUMS', files['SHA256SUMS']!);
  const { dir, cleanup } = tempDir('rlp-s3');
  t.after(cleanup);
  const { code, deps } = await runMain(
    rlpImportCommand,
    ['--base-url', 's3://exports/mainnet', '--s3-endpoint', s3.endpoint, '--file', 'lux.rlp', '--parts', 'auto', '--dest-dir', dir, '--download-only', '--checksums-url', 's3://exports/mainnet/SHA256SUMS'],
    S3_ENV,
  );
  assert.equal(code, 0, deps.err());
  assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN));
});

test('usage errors exit 2 naming the flag; --check shows the derived paths', async () => {
  const base = ['--base-url', 'http://127.0.0.1:9/x', '--file', 'lux.rlp', '--allow-unverified'];
  for (const [extra, re] of [
    [['--sha256', 'nothex'], /--sha256/],
    [['--file', 'a/b.rlp'], /--file/],
    [['--parts', 'auto,ab'], /--parts/],
    [['--parts', 'aa', '--part-name-template', '{file}.x'], /--part-name-template/],
    [['--concurrency', '0'], /--concurrency/],
  ] as const) {
    const { code, deps } = await runMain(rlpImportCommand, [...base, ...extra]);
    assert.equal(code, 2, extra.join(' '));
    assert.match(deps.err(), re);
  }
  const { code, deps } = await runMain(rlpImportCommand, [...base, '--parts', 'aa,ab', '--dest-dir', '/data/import', '--node-path', '/import/lux.rlp', '--check']);
  assert.equal(code, 0);
  const shown = JSON.parse(deps.out());
  assert.deepEqual([shown.output, shown.nodePath, shown.marker, shown.firstObject], ['/data/import/lux.rlp', '/import/lux.rlp', '/data/import/.rlp-import.done', 'http://127.0.0.1:9/x/lux.rlp.aa']);
});

test('.gz: corrupt content is located in the uncompressed stream; a truncated gzip fails', async (t) => {
  const bad = startFaultServer({ files: { 'bad.rlp.gz': gzipSync(BAD), 'cut.rlp.gz': gzipSync(CHAIN).subarray(0, 50_000) } });
  const s = await bad;
  t.after(() => s.close());
  const { dir, cleanup } = tempDir('rlp-badgz');
  t.after(cleanup);
  const r = await runMain(rlpImportCommand, ['--base-url', s.url, '--file', 'bad.rlp.gz', '--dest-dir', dir, '--download-only']);
  assert.equal(r.code, 1);
  assert.match(String(errorLine(r.deps, 'E_RLP_INVALID')!.msg), new RegExp(`uncompressed byte offset ${badOffset}, compressed input near byte \\d+ \\(part bad\\.rlp\\.gz\\)`));
  const c = await runMain(rlpImportCommand, ['--base-url', s.url, '--file', 'cut.rlp.gz', '--dest-dir', dir, '--download-only']);
  assert.equal(c.code, 1);
  assert.match(String(errorLine(c.deps, 'E_RLP_INVALID')!.msg), /gzip: unexpected end of file/);
});

test('SIGTERM (shutdown abort) stops at a resumable point: state saved, the next run continues', async (t) => {
  srv.setFaults({ throttleBps: 400_000 });
  const { dir, cleanup } = tempDir('rlp-term');
  t.after(cleanup);
  const deps = captureDeps();
  const running = rlpImportCommand.main(args(dir, ['--parts', 'auto']), {}, deps);
  const statePath = join(dir, '.lux.rlp.rlp-import-state.json');
  const saved = () => {
    try {
      return (JSON.parse(readFileSync(statePath, 'utf8')) as { parts: Array<{ done: number }> }).parts.reduce((a, p) => a + p.done, 0);
    } catch {
      return 0;
    }
  };
  for (let i = 0; i < 100 && saved() === 0; i++) await sleep(50);
  deps.shutdown();
  assert.equal(await running, 1);
  const kept = saved();
  assert.ok(kept > 0 && kept < CHAIN.length, `state keeps ${kept} bytes`);
  srv.setFaults({});
  const { code, deps: d2 } = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto']));
  assert.equal(code, 0);
  assert.ok(d2.logs().some((l) => l.msg === 'resuming download' && Number(l.bytes) >= kept));
  assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN));
});

test('a failed disk write fails the part at once: one attempt, the errno in the message', async () => {
  srv.setFaults({});
  srv.requests.length = 0;
  const { dir, cleanup } = tempDir('rlp-badwrite');
  const file = join(dir, 'out');
  writeFileSync(file, '');
  const fh = await open(file, 'r'); // every pwrite fails with EBADF
  try {
    const progress = { name: `lux.rlp.${PARTS[0]!.part}`, size: PARTS[0]!.data.length, etag: undefined, done: 0, synced: 0, complete: false };
    await assert.rejects(
      fetchPart({ source: createHttpSource(srv.url), progress, fh, offset: 0, retries: 3, retryDelayMs: 1, signal: new AbortController().signal, log: silentLogger(), onBytes: () => undefined }),
      (e: { code?: string; message: string }) => e.code === 'E_DOWNLOAD_FAILED' && /EBADF/.test(e.message) && /after 1 attempt\)/.test(e.message),
    );
    assert.equal(srv.requests.filter((r) => r.method === 'GET').length, 1);
  } finally {
    await fh.close();
    cleanup();
  }
});

test('a node reboot between runs: written-but-unsynced bytes are fetched again, synced ones are kept', async (t) => {
  const { dir, cleanup } = tempDir('rlp-reboot');
  t.after(cleanup);
  const statePath = join(dir, '.lux.rlp.rlp-import-state.json');
  type Saved = { bootId: string; parts: Array<{ done: number; synced: number }> };
  const read = (): Saved | undefined => {
    try {
      return JSON.parse(readFileSync(statePath, 'utf8')) as Saved;
    } catch {
      return undefined;
    }
  };
  const config = parseArgs(rlpImportOptions, args(dir, ['--parts', 'auto', '--concurrency', '2']), {}).config;
  // boot A: slow parts, the data synced every 300 ms, stopped once some bytes are synced and more are only written
  srv.setFaults({ throttleBps: 300_000 });
  const ac = new AbortController();
  const first = runRlpImport(config, { log: silentLogger(), signal: ac.signal }, { bootId: async () => 'boot-a', dataSyncIntervalMs: 300 });
  const sum = (s: Saved | undefined, k: 'done' | 'synced') => (s ? s.parts.reduce((a, p) => a + p[k], 0) : 0);
  for (let i = 0; i < 200; i++) {
    const s = read();
    if (sum(s, 'synced') > 0 && sum(s, 'done') > sum(s, 'synced')) break;
    await sleep(25);
  }
  ac.abort(new Error('stop'));
  await assert.rejects(first);
  const saved = read()!;
  assert.equal(saved.bootId, 'boot-a');
  const synced = sum(saved, 'synced');
  const written = sum(saved, 'done');
  assert.ok(synced > 0 && written > synced && written < CHAIN.length, `synced ${synced}, written ${written}`);
  for (const p of saved.parts) assert.ok(p.synced <= p.done);

  // boot B: only the synced bytes are trusted; the rest is fetched again and the file is whole
  srv.setFaults({});
  srv.requests.length = 0;
  const logs: Array<Record<string, unknown>> = [];
  const { pino } = await import('pino');
  const log = pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l) as Record<string, unknown>) });
  await runRlpImport(config, { log, signal: new AbortController().signal }, { bootId: async () => 'boot-b' });
  assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN));
  assert.equal(logs.find((l) => String(l.msg).startsWith('the node rebooted'))?.bytes, written - synced);
  assert.equal(logs.find((l) => l.msg === 'resuming download')?.bytes, synced);
  const sent = srv.requests.reduce((a, r) => a + r.sent, 0);
  assert.equal(sent, CHAIN.length - synced, 'exactly the untrusted bytes were fetched again');
  assert.equal(read()!.bootId, 'boot-b');
});

test('without a boot id every state save syncs first: everything written counts as synced', async (t) => {
  const { dir, cleanup } = tempDir('rlp-noboot');
  t.after(cleanup);
  const config = parseArgs(rlpImportOptions, args(dir, ['--parts', 'auto']), {}).config;
  srv.setFaults({});
  await runRlpImport(config, { log: silentLogger(), signal: new AbortController().signal }, { bootId: async () => undefined });
  const st = JSON.parse(readFileSync(join(dir, '.lux.rlp.rlp-import-state.json'), 'utf8')) as { bootId?: string; parts: Array<{ done: number; synced: number; size: number }> };
  assert.equal(st.bootId, undefined);
  for (const p of st.parts) assert.deepEqual([p.done, p.synced], [p.size, p.size]);
});

test('a 206 that starts later than asked is refused and retried, one that starts earlier is trimmed: never a hole', async () => {
  for (const shift of [1000, -1000]) {
    const { deps, requests } = await fetchOk(['--parts', 'auto', '--no-validate'], { dropAfter: { 'lux.rlp.ab': 350_000 }, shiftRange: { 'lux.rlp.ab': shift } });
    const ab = gets(requests, 'lux.rlp.ab');
    assert.equal(ab.length, shift > 0 ? 3 : 2, `shift ${shift}: ${JSON.stringify(ab)}`);
    if (shift > 0) assert.ok(deps.logs().some((l) => l.msg === 'part download failed; retrying' && /answered from/.test(String(l.err))));
  }
});

// the first byte of block 2001's head, in the part that holds it
const badPart = PARTS[Math.floor(badOffset / PART)]!;
const badAt = badOffset - Math.floor(badOffset / PART) * PART;

test('bytes served corrupt once fail the scan, and that part is fetched again in the same run', async () => {
  const { deps, requests } = await fetchOk(['--parts', 'auto'], { corrupt: { [`lux.rlp.${badPart.part}`]: badAt } });
  assert.equal(gets(requests, `lux.rlp.${badPart.part}`).length, 2);
  const again = deps.logs().find((l) => l.msg === 'downloaded bytes failed verification; fetching those parts again')!;
  assert.deepEqual(again.parts, [`lux.rlp.${badPart.part}`]);
});

test('a source that keeps serving bad bytes ends with a clear error, and the next run fetches those parts anew', async (t) => {
  for (const extra of [[], ['--no-validate', '--checksums-url', `${srv.url}/SHA256SUMS`]]) {
    const { dir, cleanup } = tempDir('rlp-badsrc');
    t.after(cleanup);
    const name = `lux.rlp.${badPart.part}`;
    srv.setFaults({ corrupt: { [name]: badAt }, corruptTimes: 100 });
    srv.requests.length = 0;
    const bad = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto', ...extra]));
    assert.equal(bad.code, 1);
    const line = bad.deps.logs().find((l) => l.level === 'error')!;
    assert.match(String(line.msg), /the source serves bad data; the next run fetches .*lux\.rlp\./, String(line.msg));
    assert.ok(gets(srv.requests, name).length <= 3, 'bounded refetches');
    // the server is honest again: the rerun refetches what failed instead of trusting it
    srv.setFaults({});
    srv.requests.length = 0;
    const ok = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto', ...extra]));
    assert.equal(ok.code, 0, ok.deps.err());
    assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN));
    assert.ok(gets(srv.requests, name).length >= 1);
  }
});

test('a stalled body is dropped after --stall-timeout and resumed with Range; nothing verified is not called verified', async () => {
  const { deps, requests } = await fetchOk(['--parts', 'auto', '--stall-timeout', '1s', '--no-validate'], { stallAfter: { 'lux.rlp.ab': 100_000 } });
  const ab = gets(requests, 'lux.rlp.ab');
  assert.ok(ab.length >= 2);
  assert.match(String(ab[1]!.range), /^bytes=\d+-$/);
  assert.ok(deps.logs().some((l) => l.msg === 'part download failed; retrying' && /timed out/.test(String(l.err))));
  assert.deepEqual(deps.logs().find((l) => l.msg === 'download complete')!.verified, []);
});

test('a part replaced while it downloads is never spliced: E_OBJECT_CHANGED, and the rerun starts that file over', async (t) => {
  const { dir, cleanup } = tempDir('rlp-changed');
  t.after(cleanup);
  srv.setFaults({ changeAfter: { 'lux.rlp.ab': 1 }, dropAfter: { 'lux.rlp.ab': 100_000 } });
  const r = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto']));
  assert.equal(r.code, 1);
  assert.match(String(errorLine(r.deps, 'E_OBJECT_CHANGED')?.msg), /lux\.rlp\.ab changed while it was downloaded \(ETag "\d+", now "\d+-v2"\)/);
  srv.setFaults({ changeAfter: { 'lux.rlp.ab': 0 } });
  const ok = await runMain(rlpImportCommand, args(dir, ['--parts', 'auto']));
  assert.equal(ok.code, 0, ok.deps.err());
  assert.ok(readFileSync(join(dir, 'lux.rlp')).equals(CHAIN));
});
