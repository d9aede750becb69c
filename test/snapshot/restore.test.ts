// restore-snapshot in-process: archives built with tar-stream and with the system `tar`, served by
// the fault server; good ones land in the data dir, malicious ones are rejected with the data dir
// (and everything around it) untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, statSync, readlinkSync, symlinkSync, chmodSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { restoreSnapshotCommand } from '../../src/snapshot/restore-command.js';
import { entryPath, checkSymlinkTarget, resolveInside } from '../../src/snapshot/tar-extract.js';
import { redactUrl } from '../../src/core/redact-url.js';
import { splitObjectUrl } from '../../src/objects/object-source.js';
import { sha256hex } from '../rlp-import/rlp-fixture.js';
import { pack, tree, ustarHeader } from './archive-fixture.js';
import type { Entry } from './archive-fixture.js';
import { startFaultServer, tempDir, runMain, errorLine, startS3, S3_ENV } from '../rlp-import/helpers.js';
import type { FaultServer } from '../rlp-import/helpers.js';

/** Build an archive with the system tar from a directory prepared by `prep(dir)`. */
function systemTar(name: string, prep: (dir: string) => string[], flags: string[] = []): Buffer {
  const { dir, cleanup } = tempDir('rlp-systar');
  try {
    const members = prep(dir);
    const out = join(dir, name);
    execFileSync('tar', [...flags, '-cf', out, '-C', join(dir, 'src'), ...members], { stdio: 'pipe' });
    return readFileSync(out);
  } finally {
    cleanup();
  }
}

const files: Record<string, Uint8Array> = {};
let srv: FaultServer;

before(async () => {
  const good = await pack([
    [{ name: 'snap/', type: 'directory' }],
    [{ name: 'snap/db/', type: 'directory', mode: 0o755 }],
    [{ name: 'snap/db/new.bin', mode: 0o4755 }, 'chain data'],
    [{ name: 'snap/db/hard', type: 'link', linkname: 'snap/db/new.bin' }],
    [{ name: 'snap/current', type: 'symlink', linkname: 'db/new.bin' }],
    [{ name: 'snap/configs/a.json', mode: 0o2644 }, '{"a":1}'],
  ]);
  files['good.tar'] = good;
  files['good.tar.gz'] = gzipSync(good);
  files['truncated.tar.gz'] = gzipSync(good).subarray(0, 60);
  files['gz-named-tar.tar'] = gzipSync(good);
  const evil: Record<string, Entry[]> = {
    abs: [[{ name: 'ok.txt' }, 'x'], [{ name: '/tmp/luxops-evil-abs' }, 'x']],
    dotdot: [[{ name: 'ok.txt' }, 'x'], [{ name: 'a/../../luxops-evil' }, 'x']],
    linkout: [[{ name: 'ok.txt' }, 'x'], [{ name: 'sub/evil', type: 'symlink', linkname: '../../outside' }]],
    linkabs: [[{ name: 'evil', type: 'symlink', linkname: '/etc/passwd' }]],
    hardout: [[{ name: 'evil', type: 'link', linkname: '../outside' }]],
    hardabs: [[{ name: 'evil', type: 'link', linkname: '/etc/passwd' }]],
    chardev: [[{ name: 'null', type: 'character-device', mode: 0o666 }]],
    blockdev: [[{ name: 'sda', type: 'block-device', mode: 0o660 }]],
    fifo: [[{ name: 'pipe', type: 'fifo', mode: 0o644 }]],
    // `x` -> `.` is inside; `x/y` -> `..` is lexically inside too but, written through x, escapes
    throughlink: [[{ name: 'x', type: 'symlink', linkname: '.' }], [{ name: 'x/y', type: 'symlink', linkname: '..' }]],
    writethrough: [[{ name: 'd', type: 'symlink', linkname: 'sub' }], [{ name: 'sub/', type: 'directory' }], [{ name: 'd/f' }, 'x']],
    // each target is inside as text; resolved through the archive's own links, `db` is not
    chainup: [[{ name: 'a/b/up', type: 'symlink', linkname: '../..' }], [{ name: 'db', type: 'symlink', linkname: 'a/b/up/../staking' }]],
    chainup2: [[{ name: 'db', type: 'symlink', linkname: 'a/b/up/../staking' }], [{ name: 'a/b/up', type: 'symlink', linkname: '../..' }]],
  };
  for (const [k, entries] of Object.entries(evil)) files[`evil-${k}.tar`] = await pack(entries);
  // the same attacks with the system tar (GNU tar keeps absolute names and `..` only with -P)
  files['sys-good.tgz'] = systemTar('a.tgz', (d) => {
    mkdirSync(join(d, 'src/db'), { recursive: true });
    writeFileSync(join(d, 'src/db/blob'), 'from system tar');
    symlinkSync('db/blob', join(d, 'src/latest'));
    return ['.'];
  }, ['-z']);
  files['sys-linkout.tar'] = systemTar('a.tar', (d) => {
    mkdirSync(join(d, 'src'), { recursive: true });
    symlinkSync('/etc/passwd', join(d, 'src/passwd'));
    return ['passwd'];
  });
  files['sys-fifo.tar'] = systemTar('a.tar', (d) => {
    mkdirSync(join(d, 'src'), { recursive: true });
    execFileSync('mkfifo', [join(d, 'src/fifo')]);
    return ['fifo'];
  });
  files['sys-abs.tar'] = systemTar('a.tar', (d) => {
    mkdirSync(join(d, 'src'), { recursive: true });
    writeFileSync(join(d, 'src/f'), 'x');
    return [join(d, 'src/f')];
  }, ['-P']);
  files['sys-dotdot.tar'] = systemTar('a.tar', (d) => {
    mkdirSync(join(d, 'src/in'), { recursive: true });
    writeFileSync(join(d, 'up'), 'x');
    return ['in', 'in/../../up'];
  }, ['-P']);
  files['sys-setuid.tar'] = systemTar('a.tar', (d) => {
    mkdirSync(join(d, 'src'), { recursive: true });
    writeFileSync(join(d, 'src/tool'), '#!/bin/sh\n');
    chmodSync(join(d, 'src/tool'), 0o6755);
    return ['tool'];
  });
  // empty, or cut between two entries (no end-of-archive blocks): never a restore
  files['empty.tar'] = Buffer.alloc(0);
  files['empty.tar.gz'] = gzipSync(Buffer.alloc(0));
  files['zeros.tar'] = Buffer.alloc(10240);
  files['zeros.tar.gz'] = gzipSync(Buffer.alloc(4 << 20));
  files['cut.tar'] = good.subarray(0, 2048); // snap/, snap/db/, snap/db/new.bin: then nothing
  files['only-stripped.tar'] = await pack([[{ name: 'top/', type: 'directory' }]]);
  // entries named like the restore's own marker
  files['marker-dir.tar'] = await pack([[{ name: '.restore-snapshot.done/', type: 'directory' }], [{ name: '.restore-snapshot.done/x' }, 'evil'], [{ name: 'db/ok' }, 'ok']]);
  files['marker-file.tar'] = await pack([[{ name: '.restore-snapshot.done' }, '{"fake":true}'], [{ name: 'db/ok' }, 'ok']]);
  // a header that promises more than the archive has
  files['short-big.tar'] = Buffer.concat([ustarHeader('big.bin', 1 << 30), Buffer.alloc(4096, 7)]);
  files['short-huge.tar'] = Buffer.concat([ustarHeader('huge.bin', 2 ** 40), Buffer.alloc(4096, 7)]);
  srv = await startFaultServer({ files });
});
after(() => srv.close());

/** A data dir with existing content, inside a parent we also fingerprint. */
function dataDir(t: { after(fn: () => unknown): void }) {
  const { dir, cleanup } = tempDir('rlp-restore');
  t.after(cleanup);
  const data = join(dir, 'data');
  mkdirSync(join(data, 'db'), { recursive: true });
  writeFileSync(join(data, 'db/old.bin'), 'old');
  writeFileSync(join(data, 'keep.txt'), 'keep');
  return { parent: dir, data };
}

test('a tar.gz restores into the data dir: strip, merge, links, setuid/setgid dropped, marker', async (t) => {
  const { data } = dataDir(t);
  const { code, deps } = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/good.tar.gz`, '--data-dir', data, '--strip-components', '1', '--sha256', sha256hex(files['good.tar.gz']!)]);
  assert.equal(code, 0, deps.err());
  assert.equal(readFileSync(join(data, 'db/new.bin'), 'utf8'), 'chain data');
  assert.equal(readFileSync(join(data, 'db/old.bin'), 'utf8'), 'old');
  assert.equal(readFileSync(join(data, 'keep.txt'), 'utf8'), 'keep');
  assert.equal(readlinkSync(join(data, 'current')), 'db/new.bin');
  assert.equal(statSync(join(data, 'db/hard')).ino, statSync(join(data, 'db/new.bin')).ino);
  assert.equal(statSync(join(data, 'db/new.bin')).mode & 0o7000, 0);
  assert.equal(statSync(join(data, 'configs/a.json')).mode & 0o7000, 0);
  const marker = JSON.parse(readFileSync(join(data, '.restore-snapshot.done'), 'utf8'));
  assert.equal(marker.sha256, sha256hex(files['good.tar.gz']!));
  assert.equal(readdirSync(data).filter((n) => n.startsWith('.restore-snapshot.tmp')).length, 0);

  // the marker makes the second run a no-op
  srv.requests.length = 0;
  const again = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/good.tar.gz`, '--data-dir', data]);
  assert.equal(again.code, 0);
  assert.equal(srv.requests.length, 0);
});

test('plain .tar and a system-tar .tgz restore', async (t) => {
  const { data } = dataDir(t);
  assert.equal((await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/good.tar`, '--data-dir', data])).code, 0);
  assert.equal(readFileSync(join(data, 'snap/db/new.bin'), 'utf8'), 'chain data');
  const b = dataDir(t);
  const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/sys-good.tgz`, '--data-dir', b.data]);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(readFileSync(join(b.data, 'latest'), 'utf8'), 'from system tar');
});

const rejected: Array<[string, RegExp]> = [
  ['evil-abs.tar', /absolute path/],
  ['evil-dotdot.tar', /'\.\.'/],
  ['evil-linkout.tar', /points outside the data dir/],
  ['evil-linkabs.tar', /symlink to absolute path/],
  ['evil-hardout.tar', /'\.\.'/],
  ['evil-hardabs.tar', /absolute path/],
  ['evil-chardev.tar', /character-device entries are not allowed/],
  ['evil-blockdev.tar', /block-device entries are not allowed/],
  ['evil-fifo.tar', /fifo entries are not allowed/],
  ['evil-throughlink.tar', /through a symlink/],
  ['evil-writethrough.tar', /through a symlink/],
  ['evil-chainup.tar', /"db" rejected: symlink "a\/b\/up\/\.\.\/staking" resolves outside the data dir through links of the archive/],
  ['evil-chainup2.tar', /"db" rejected: symlink .* resolves outside the data dir/],
  ['sys-linkout.tar', /symlink to absolute path/],
  ['sys-fifo.tar', /fifo entries are not allowed/],
  ['sys-abs.tar', /absolute path/],
  ['sys-dotdot.tar', /'\.\.'/],
];

for (const [name, why] of rejected) {
  test(`rejects ${name}: exit 1, E_UNSAFE_ARCHIVE, nothing written anywhere`, async (t) => {
    const { parent, data } = dataDir(t);
    const before = tree(parent);
    const { code, deps } = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/${name}`, '--data-dir', data]);
    assert.equal(code, 1);
    assert.match(String(errorLine(deps, 'E_UNSAFE_ARCHIVE')?.msg), why);
    assert.deepEqual(tree(parent), before);
    assert.equal(existsSync('/tmp/luxops-evil-abs'), false);
    assert.equal(existsSync(join(dirname(parent), 'luxops-evil')), false);
  });
}

test('system-tar setuid/setgid bits are dropped', async (t) => {
  const { data } = dataDir(t);
  assert.equal((await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/sys-setuid.tar`, '--data-dir', data])).code, 0);
  assert.equal(statSync(join(data, 'tool')).mode & 0o7777, 0o755);
});

test('sha256 mismatch, truncated gzip, gzip named .tar: exit 1, data dir untouched', async (t) => {
  for (const [url, code, re] of [
    ['good.tar.gz --sha256 ' + 'a'.repeat(64), 'E_CHECKSUM_MISMATCH', /sha256 mismatch/],
    ['truncated.tar.gz', 'E_ARCHIVE_CORRUPT', /cannot read .* as tar\.gz/],
    ['gz-named-tar.tar', 'E_ARCHIVE_CORRUPT', /gzip-compressed; name it \.tar\.gz/],
  ] as const) {
    const { parent, data } = dataDir(t);
    const before = tree(parent);
    const [u, ...rest] = url.split(' ');
    const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/${u}`, '--data-dir', data, ...rest]);
    assert.equal(r.code, 1, url);
    assert.match(String(errorLine(r.deps, code)?.msg), re);
    assert.deepEqual(tree(parent), before);
  }
});

test('unit: entry paths and symlink targets', () => {
  assert.equal(entryPath('./a/./b', 0), 'a/b');
  assert.equal(entryPath('top/a', 1), 'a');
  assert.equal(entryPath('top/', 1), undefined);
  assert.throws(() => entryPath('C:\\x', 0), /absolute/);
  assert.doesNotThrow(() => checkSymlinkTarget('a/b/l', '../c'));
  assert.throws(() => checkSymlinkTarget('a/l', '../../c'), /outside/);
  assert.throws(() => checkSymlinkTarget('l', ''), /absolute|symlink/);
  assert.equal(redactUrl('https://u:p@h.example/a/b.tar.gz?X-Amz-Signature=s/e/c'), 'https://***@h.example/a/b.tar.gz?X-Amz-Signature=***');
  assert.equal(redactUrl('s3://bucket/key.tar'), 's3://bucket/key.tar');
  assert.deepEqual(splitObjectUrl('https://h/a/b.tgz?X-Amz-Credential=AK/2026/x'), { base: 'https://h/a', name: 'b.tgz?X-Amz-Credential=AK/2026/x' });
});

test('unit: symlinks resolved through the links on disk, as the kernel would', (t) => {
  const { dir, cleanup } = tempDir('rlp-resolve');
  t.after(cleanup);
  mkdirSync(join(dir, 'a/b'), { recursive: true });
  symlinkSync('../..', join(dir, 'a/b/up'));
  symlinkSync('a/b/up/x', join(dir, 'in'));
  symlinkSync('a/b/up/../x', join(dir, 'out'));
  symlinkSync('loop2', join(dir, 'loop1'));
  symlinkSync('loop1', join(dir, 'loop2'));
  assert.deepEqual(resolveInside(dir, 'in'), { path: 'x' });
  assert.deepEqual(resolveInside(dir, 'a/b/up'), { path: '' });
  assert.match(String((resolveInside(dir, 'out') as { escape: string }).escape), /outside the data dir/);
  assert.ok('path' in resolveInside(dir, 'loop1'), 'a loop leads nowhere, inside or out');
});

test('usage errors: bad --sha256, not an archive URL, 404', async (t) => {
  const { data } = dataDir(t);
  assert.equal((await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/good.tar`, '--data-dir', data, '--sha256', 'xyz'])).code, 2);
  assert.equal((await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/good.zip`, '--data-dir', data])).code, 2);
  const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/missing.tar`, '--data-dir', data, '--retries', '0']);
  assert.equal(r.code, 1);
  assert.match(r.deps.err(), /404/);
});

test('s3:// archive URL (bucket/key) restores through the S3 client', async (t) => {
  const s3 = await startS3('snaps');
  t.after(() => s3.close());
  await s3.put('mainnet/2026/good.tar.gz', files['good.tar.gz']!);
  const { data } = dataDir(t);
  const r = await runMain(restoreSnapshotCommand, ['--url', 's3://snaps/mainnet/2026/good.tar.gz', '--s3-endpoint', s3.endpoint, '--data-dir', data, '--strip-components', '1'], S3_ENV);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(readFileSync(join(data, 'db/new.bin'), 'utf8'), 'chain data');
});

const noStaging = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.restore-snapshot.tmp')).length === 0;

test('empty, zero-block and cut archives are failures, not restores: no marker, data dir untouched', async (t) => {
  for (const [name, code, re] of [
    ['empty.tar', 'E_ARCHIVE_CORRUPT', /the archive is empty \(0 bytes\)/],
    ['empty.tar.gz', 'E_ARCHIVE_CORRUPT', /the archive is empty \(0 bytes\)/],
    ['zeros.tar', 'E_ARCHIVE_EMPTY', /has no entries; nothing was restored \(pass --allow-empty/],
    ['zeros.tar.gz', 'E_ARCHIVE_EMPTY', /has no entries/],
    ['cut.tar', 'E_ARCHIVE_CORRUPT', /no end-of-archive marker after 3 entries \(2048 bytes\): it was cut short/],
    ['only-stripped.tar --strip-components 1', 'E_ARCHIVE_EMPTY', /no entries left after --strip-components 1/],
  ] as const) {
    const { parent, data } = dataDir(t);
    const before = tree(parent);
    const [u, ...rest] = name.split(' ');
    const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/${u}`, '--data-dir', data, ...rest]);
    assert.equal(r.code, 1, name);
    assert.match(String(errorLine(r.deps, code)?.msg), re, `${name}: ${r.deps.err()}`);
    assert.deepEqual(tree(parent), before, name);
  }
  // an intentionally empty archive: --allow-empty
  const { data } = dataDir(t);
  const ok = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/zeros.tar`, '--data-dir', data, '--allow-empty']);
  assert.equal(ok.code, 0, ok.deps.err());
  assert.equal(JSON.parse(readFileSync(join(data, '.restore-snapshot.done'), 'utf8')).entries, 0);
});

test('an archive entry named like the marker is not extracted: the marker is always the restore\'s own', async (t) => {
  for (const name of ['marker-dir.tar', 'marker-file.tar']) {
    const { data } = dataDir(t);
    const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/${name}`, '--data-dir', data]);
    assert.equal(r.code, 0, `${name}: ${r.deps.err()}`);
    assert.equal(readFileSync(join(data, 'db/ok'), 'utf8'), 'ok');
    const marker = JSON.parse(readFileSync(join(data, '.restore-snapshot.done'), 'utf8'));
    assert.equal(marker.sha256, sha256hex(files[name]!));
    assert.equal(marker.entries, 1);
    assert.ok(r.deps.logs().some((l) => l.msg === 'archive entry not extracted: the path is reserved for the restore marker or its staging dirs'));
  }
  // also a --marker inside the data dir
  const { data } = dataDir(t);
  const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/marker-file.tar`, '--data-dir', data, '--marker', join(data, 'db/ok')]);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(JSON.parse(readFileSync(join(data, 'db/ok'), 'utf8')).entries, 1);
});

test('staging dirs of earlier, killed runs are removed; nothing else is, and a running restore\'s is kept', async (t) => {
  const { parent, data } = dataDir(t);
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 8);
  const old = join(data, '.restore-snapshot.tmp-AbC123');
  const dead = join(data, `.restore-snapshot.tmp-999999999-${boot}-XyZ789`);
  for (const d of [old, dead]) {
    mkdirSync(join(d, 'db'), { recursive: true });
    writeFileSync(join(d, 'db/partial'), 'half');
  }
  // not ours: another name, and a symlink named like ours (never followed)
  mkdirSync(join(data, '.restore-snapshot.tmp-keep-me'));
  mkdirSync(join(parent, 'outside'));
  writeFileSync(join(parent, 'outside/precious'), 'x');
  symlinkSync(join(parent, 'outside'), join(data, '.restore-snapshot.tmp-LnK123'));
  // a restore that is still running (its command line says so)
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'restore-snapshot'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const live = join(data, `.restore-snapshot.tmp-${child.pid}-${boot}-LiVe12`);
  mkdirSync(live);
  const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/good.tar`, '--data-dir', data]);
  assert.equal(r.code, 0, r.deps.err());
  assert.equal(existsSync(old), false);
  assert.equal(existsSync(dead), false);
  assert.ok(existsSync(live));
  assert.ok(existsSync(join(data, '.restore-snapshot.tmp-keep-me')));
  assert.ok(existsSync(join(data, '.restore-snapshot.tmp-LnK123')));
  assert.equal(readFileSync(join(parent, 'outside/precious'), 'utf8'), 'x');
  assert.equal(r.deps.logs().filter((l) => l.msg === 'removed the staging dir of an earlier, interrupted restore').length, 2);
});

test('an entry cut short says which entry and how much arrived; one larger than the disk fails before writing', async (t) => {
  const { parent, data } = dataDir(t);
  const before = tree(parent);
  const r = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/short-big.tar`, '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.match(String(errorLine(r.deps, 'E_ARCHIVE_CORRUPT')?.msg), /the archive ends inside entry "big\.bin": 4096 of its 1073741824 bytes arrived \(truncated archive\)/);
  const h = await runMain(restoreSnapshotCommand, ['--url', `${srv.url}/short-huge.tar`, '--data-dir', data]);
  assert.equal(h.code, 1);
  assert.match(String(errorLine(h.deps, 'E_NO_SPACE')?.msg), /archive entry "huge\.bin" is 1099511627776 bytes, only \d+ bytes are free/);
  assert.deepEqual(tree(parent), before);
  assert.ok(noStaging(data));
});

test('GNU, pax, ustar and v7 archives of the system tar restore to the same tree (long names, long link targets)', async (t) => {
  const { dir, cleanup } = tempDir('rlp-formats');
  t.after(cleanup);
  const src = join(dir, 'src');
  const deep = join('a'.repeat(60), 'b'.repeat(60), 'c'.repeat(30));
  mkdirSync(join(src, deep), { recursive: true });
  writeFileSync(join(src, deep, 'file-with-a-long-name.sst'), 'deep');
  writeFileSync(join(src, 'plain'), 'p');
  symlinkSync('file-with-a-long-name.sst', join(src, deep, 'link'));
  const want = tree(src);
  const served: Record<string, Uint8Array> = {};
  for (const f of ['gnu', 'pax', 'ustar']) served[`${f}.tar`] = execFileSync('tar', [`--format=${f}`, '-cf', '-', '-C', src, '.'], { maxBuffer: 1 << 24 });
  // a link target longer than a header's 100 bytes: GNU (././@LongLink 'K') and pax (linkpath)
  symlinkSync(join(deep, 'file-with-a-long-name.sst'), join(src, 'longlink'));
  const wantLong = tree(src);
  for (const f of ['gnu', 'pax']) served[`${f}-longlink.tar`] = execFileSync('tar', [`--format=${f}`, '-cf', '-', '-C', src, '.'], { maxBuffer: 1 << 24 });
  // v7: short names only, directories marked by a trailing slash
  const v7src = join(dir, 'v7');
  mkdirSync(join(v7src, 'd'), { recursive: true });
  writeFileSync(join(v7src, 'd/f'), 'v7');
  served['v7.tar'] = execFileSync('tar', ['--format=v7', '-cf', '-', '-C', v7src, '.'], { maxBuffer: 1 << 24 });
  const s = await startFaultServer({ files: served });
  t.after(() => s.close());
  for (const name of Object.keys(served)) {
    const out = join(dir, `out-${name}`);
    const r = await runMain(restoreSnapshotCommand, ['--url', `${s.url}/${name}`, '--data-dir', out]);
    assert.equal(r.code, 0, `${name}: ${r.deps.err()}`);
    assert.deepEqual(tree(out, (p) => p === '.restore-snapshot.done'), name === 'v7.tar' ? tree(v7src) : name.includes('longlink') ? wantLong : want, name);
  }
});
