// restore-snapshot in-process: archives built with tar-stream and with the system `tar`, served by
// the fault server; good ones land in the data dir, malicious ones are rejected with the data dir
// (and everything around it) untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, statSync, lstatSync, readlinkSync, symlinkSync, chmodSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { restoreSnapshotCommand } from '../../src/rlp-import/restore-command.js';
import { entryPath, checkSymlinkTarget } from '../../src/rlp-import/tar-extract.js';
import { sha256hex } from './rlp-fixture.js';
import { startFaultServer, tempDir, runMain, errorLine, startS3, S3_ENV } from './helpers.js';
import type { FaultServer } from './helpers.js';

type Entry = [tar.Header | { name: string; type?: tar.Header['type']; mode?: number; linkname?: string }, string?];

async function pack(entries: Entry[]): Promise<Buffer> {
  const p = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const [h, body] of entries) {
    await new Promise<void>((resolve, reject) => p.entry(h as tar.Header, body ?? '', (e) => (e ? reject(e) : resolve())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

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

/** Recursive listing with contents/link targets: a fingerprint of a directory tree. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, rel);
    const st = lstatSync(p);
    out[rel] = st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : st.isDirectory() ? 'dir' : `${st.mode.toString(8)}:${readFileSync(p, 'utf8')}`;
  }
  return out;
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
