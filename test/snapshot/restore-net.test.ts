// restore-snapshot against hostile servers, in-process: drops and stalls resume with Range (one
// stream or parallel ranges), shifted ranges are never spliced, a server that ignores Range or an
// object that changes restarts from byte 0, servers that close after the body (node and Python's
// http.server), redirects, progress lines, s3:// ranges, and no listener leak on a long stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { restoreSnapshotCommand } from '../../src/snapshot/restore-command.js';
import { sha256hex } from '../rlp-import/rlp-fixture.js';
import { dataDirArchive, tree } from './archive-fixture.js';
import { startFaultServer, tempDir, runMain, errorLine, startS3, S3_ENV } from '../rlp-import/helpers.js';
import type { FaultServer, Faults, ServedRequest } from '../rlp-import/helpers.js';
import { freePort } from '../helpers/free-port.js';
import { captureDeps } from '../helpers/deps.js';

// 20 MiB of incompressible files: three 8 MiB ranges at --concurrency 4
const { archive, expected } = dataDirArchive(20 << 20);
const SHA = sha256hex(archive);
const NAME = 'snap.tar.gz';
let srv: FaultServer;
before(async () => {
  srv = await startFaultServer({ files: { [NAME]: archive, 'SHA256SUMS': Buffer.from(`${SHA}  ${NAME}\n`) } });
});
after(() => srv.close());

const marker = '.restore-snapshot.done';
const gets = (r: ServedRequest[]) => r.filter((x) => x.method === 'GET' && x.name === NAME);

/** Restore with `faults`; asserts a byte-identical tree, the marker, no staging dir. */
async function restoreOk(t: { after(fn: () => unknown): void }, extra: string[], faults: Faults = {}, url = `${srv.url}/${NAME}`) {
  srv.setFaults(faults);
  srv.requests.length = 0;
  const { dir, cleanup } = tempDir('rlp-rnet');
  t.after(cleanup);
  const r = await runMain(restoreSnapshotCommand, ['--url', url, '--data-dir', dir, '--sha256', SHA, '--retry-delay', '10ms', ...extra]);
  assert.equal(r.code, 0, r.deps.err());
  assert.deepEqual(tree(dir, (p) => p === marker), expected);
  assert.ok(existsSync(join(dir, marker)));
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.restore-snapshot.tmp')), []);
  return { logs: r.deps.logs(), requests: [...srv.requests], dir };
}

test('a long stream under backpressure leaks no listeners (no MaxListenersExceeded warning)', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  await restoreOk(t, ['--concurrency', '1'], { throttleBps: 40_000_000 });
  await sleep(50);
  assert.deepEqual(warnings, []);
});

test('a dropped connection resumes with Range into the same extraction: one stream and parallel ranges', async (t) => {
  const one = await restoreOk(t, ['--concurrency', '1'], { dropAfter: { [NAME]: 5_000_000 } });
  const g = gets(one.requests);
  assert.equal(g.length, 2);
  assert.equal(g[0]!.range, null);
  assert.match(String(g[1]!.range), /^bytes=\d+-$/);
  assert.ok(one.logs.some((l) => l.msg === 'archive download failed; resuming'));
  const four = await restoreOk(t, ['--concurrency', '4'], { dropAfter: { [NAME]: 3_000_000 }, dropTimes: 2 });
  const ranges = gets(four.requests).map((r) => r.range);
  assert.ok(ranges.every((r) => /^bytes=\d+-\d+$/.test(String(r))), ranges.join(' '));
  assert.ok(ranges.length >= 5, `3 ranges + 2 resumes: ${ranges.join(' ')}`);
});

test('a stalled body is dropped after --stall-timeout and resumed', async (t) => {
  for (const c of ['1', '4']) {
    const r = await restoreOk(t, ['--concurrency', c, '--stall-timeout', '1s'], { stallAfter: { [NAME]: 1_000_000 } });
    assert.ok(r.logs.some((l) => l.msg === 'archive download failed; resuming' && /timed out/.test(String(l.err))), c);
  }
});

test('a 206 that starts elsewhere than asked is never spliced in: later is retried, earlier is trimmed', async (t) => {
  for (const shift of [1000, -1000]) {
    await restoreOk(t, ['--concurrency', '4'], { shiftRange: { [NAME]: shift }, shiftTimes: 2 });
    await restoreOk(t, ['--concurrency', '1'], { dropAfter: { [NAME]: 2_000_000 }, shiftRange: { [NAME]: shift } });
  }
});

test('a server that ignores Range: the restore starts over from byte 0 as one stream, and says so', async (t) => {
  const four = await restoreOk(t, ['--concurrency', '4'], { ignoreRange: true });
  assert.ok(four.logs.some((l) => l.msg === 'restarting the restore from byte 0' && /ignored the Range request/.test(String(l.reason))));
  const one = await restoreOk(t, ['--concurrency', '1'], { ignoreRange: true, dropAfter: { [NAME]: 4_000_000 } });
  assert.ok(one.logs.some((l) => l.msg === 'restarting the restore from byte 0'));
  assert.equal(gets(one.requests).at(-1)!.status, 200);
});

test('an object replaced during the download is never spliced: restart from byte 0; one that keeps changing fails', async (t) => {
  const r = await restoreOk(t, ['--concurrency', '1'], { changeAfter: { [NAME]: 1 }, dropAfter: { [NAME]: 3_000_000 } });
  assert.ok(r.logs.some((l) => l.msg === 'restarting the restore from byte 0' && /changed during the download \(ETag/.test(String(l.reason))));
  srv.setFaults({ changingEtag: true, dropAfter: { [NAME]: 3_000_000 }, dropTimes: 100 });
  const { parent, data } = (() => {
    const { dir, cleanup } = tempDir('rlp-rchange');
    t.after(cleanup);
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data/keep'), 'k');
    return { parent: dir, data: join(dir, 'data') };
  })();
  const before = tree(parent);
  const bad = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/${NAME}`, '--data-dir', data, '--concurrency', '1', '--retry-delay', '10ms']);
  assert.equal(bad.code, 1);
  assert.match(String(errorLine(bad.deps, 'E_DOWNLOAD_FAILED')?.msg), /changed during the download .*after 3 restarts from byte 0\); nothing was restored/);
  assert.deepEqual(tree(parent), before);
});

test('bytes served corrupt fail with a clear error and nothing restored; the rerun restores', async (t) => {
  const { dir, cleanup } = tempDir('rlp-rcorrupt');
  t.after(cleanup);
  for (const [sha, code] of [[[], 'E_ARCHIVE_CORRUPT'], [['--sha256', SHA], 'E_ARCHIVE_CORRUPT']] as const) {
    srv.setFaults({ corrupt: { [NAME]: 10_000_000 } });
    const bad = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/${NAME}`, '--data-dir', dir, ...sha]);
    assert.equal(bad.code, 1);
    assert.match(String(errorLine(bad.deps, code)?.msg), /cannot read .* as tar\.gz: .*; nothing was restored/);
    assert.deepEqual(readdirSync(dir), []);
  }
  srv.setFaults({});
  const ok = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/${NAME}`, '--data-dir', dir, '--checksums-url', `${srv.url}/SHA256SUMS`]);
  assert.equal(ok.code, 0, ok.deps.err());
  assert.deepEqual(tree(dir, (p) => p === marker), expected);
});

test('servers that close the connection after the body (HTTP/1.0 style): node, and Python\'s http.server', async (t) => {
  for (const c of ['1', '4']) for (let i = 0; i < 2; i++) await restoreOk(t, ['--concurrency', c], { closeAfterBody: true });
  const { dir, cleanup } = tempDir('rlp-py');
  t.after(cleanup);
  writeFileSync(join(dir, NAME), archive);
  const port = await freePort();
  const py = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  t.after(() => py.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    if (await new Promise((r) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.destroy(); r(true); }).on('error', () => r(false)))) break;
    await sleep(50);
  }
  for (let i = 0; i < 3; i++) await restoreOk(t, [], {}, `http://127.0.0.1:${port}/${NAME}`);
});

test('redirects are followed for --url and --checksums-url, bounded', async (t) => {
  const hop = http.createServer((req, res) => {
    if (req.url === '/loop.tar.gz') return res.writeHead(302, { location: '/loop.tar.gz' }).end();
    res.writeHead(req.url === '/sums' ? 301 : 307, { location: `${srv.url}${req.url === '/sums' ? '/SHA256SUMS' : `/${NAME}`}` }).end();
  });
  await new Promise<void>((r) => hop.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => hop.close(r)));
  const base = `http://127.0.0.1:${(hop.address() as net.AddressInfo).port}`;
  await restoreOk(t, ['--checksums-url', `${base}/sums`], {}, `${base}/moved/${NAME}`);
  const { dir, cleanup } = tempDir('rlp-rloop');
  t.after(cleanup);
  const loop = await runMain(restoreSnapshotCommand, ['--url', `${base}/loop.tar.gz`, '--data-dir', dir, '--retries', '0']);
  assert.equal(loop.code, 1);
  assert.ok(errorLine(loop.deps, 'E_TOO_MANY_REDIRECTS'));
});

test('progress: a start line (url, size), then bytes, totalBytes, rateBps, etaS and entries every interval', async (t) => {
  const r = await restoreOk(t, ['--progress-interval', '100ms', '--concurrency', '1'], { throttleBps: 20_000_000 });
  const start = r.logs.find((l) => l.msg === 'restoring snapshot')!;
  assert.equal(start.totalBytes, archive.length);
  assert.equal(start.url, `${srv.url}/${NAME}`);
  const lines = r.logs.filter((l) => l.msg === 'restoring');
  assert.ok(lines.length >= 3, `${lines.length} progress lines`);
  for (const k of ['bytes', 'totalBytes', 'rateBps', 'etaS', 'entries', 'receivedBytes']) assert.ok(k in lines.at(-1)!, k);
  assert.ok((lines.at(-1)!.bytes as number) > 0 && (lines.at(-1)!.bytes as number) <= archive.length);
  const done = r.logs.find((l) => l.msg === 'snapshot restored')!;
  assert.deepEqual(done.verified, ['sha256', 'gzip-crc32', 'tar-structure']);
});

test('a presigned-style URL: the query reaches the server, never a log line or the marker', async (t) => {
  const secret = 'X-Amz-Credential=AKIA/20260101/us-east-1/s3/aws4_request&X-Amz-Signature=deadbeefsecret';
  const r = await restoreOk(t, [], { dropAfter: { [NAME]: 3_000_000 } }, `${srv.url}/${NAME}?${secret}`);
  assert.ok(!JSON.stringify(r.logs).includes('deadbeefsecret'));
  assert.ok(!readdirSync(r.dir).some((n) => n.includes('secret')));
  assert.ok(!JSON.stringify(tree(r.dir)).includes('deadbeefsecret'));
});

test('retries are bounded: a server that keeps failing ends with an error naming it, nothing restored', async (t) => {
  srv.setFaults({ fail503: { [NAME]: 1000 } });
  const { dir, cleanup } = tempDir('rlp-r503');
  t.after(cleanup);
  const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/${NAME}`, '--data-dir', dir, '--retries', '2', '--retry-delay', '10ms']);
  assert.equal(r.code, 1);
  assert.match(String(r.deps.logs().find((l) => l.level === 'error')?.msg), /snap\.tar\.gz.*503/);
  assert.deepEqual(readdirSync(dir), []);
});

test('s3:// goes through the same ordered, ranged path', async (t) => {
  const s3 = await startS3('snaps');
  t.after(() => s3.close());
  await s3.put(`x/${NAME}`, archive);
  const { dir, cleanup } = tempDir('rlp-rs3');
  t.after(cleanup);
  const r = await runMain(restoreSnapshotCommand, ['--url', `s3://snaps/x/${NAME}`, '--s3-endpoint', s3.endpoint, '--data-dir', dir, '--sha256', SHA, '--concurrency', '4'], S3_ENV);
  assert.equal(r.code, 0, r.deps.err());
  assert.deepEqual(tree(dir, (p) => p === marker), expected);
  assert.equal(r.deps.logs().find((l) => l.msg === 'restoring snapshot')?.ranges, true);
});

test('SIGTERM mid-restore (shutdown abort): nothing restored, no marker, no staging dir', async (t) => {
  srv.setFaults({ throttleBps: 4_000_000 });
  const { dir, cleanup } = tempDir('rlp-rterm');
  t.after(cleanup);
  writeFileSync(join(dir, 'keep'), 'k');
  const deps = captureDeps();
  const running = restoreSnapshotCommand.main(['--url', `${srv.url}/${NAME}`, '--data-dir', dir, '--progress-interval', '100ms'], {}, deps);
  for (let i = 0; i < 200 && !deps.logs().some((l) => l.msg === 'restoring' && (l.entries as number) > 0); i++) await sleep(25);
  deps.shutdown();
  assert.notEqual(await running, 0);
  assert.deepEqual(readdirSync(dir), ['keep']);
});
