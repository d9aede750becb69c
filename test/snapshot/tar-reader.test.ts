// The tar reader on its own: any split of the input gives the same entries, every header format the
// system tar writes, base-256 sizes, and the end-of-archive and truncation rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TarReader, TarFormatError } from '../../src/snapshot/tar-reader.js';
import type { TarHeader } from '../../src/snapshot/tar-reader.js';
import { pack, ustarHeader } from './archive-fixture.js';
import { tempDir } from '../rlp-import/helpers.js';

/** Read `archive` pushed in pieces of `cut` bytes: entries with their bodies. */
function read(archive: Buffer, cut = archive.length): Array<TarHeader & { body: string }> {
  const out: Array<TarHeader & { body: string }> = [];
  let current: TarHeader | undefined;
  let body: Buffer[] = [];
  const r = new TarReader({
    entry: (h) => {
      current = h;
      body = [];
    },
    data: (s) => void body.push(Buffer.from(s)),
    endEntry: () => void out.push({ ...current!, body: Buffer.concat(body).toString() }),
  });
  for (let i = 0; i < archive.length; i += cut) r.push(archive.subarray(i, i + cut));
  r.finish();
  return out;
}

test('any split of the input gives the same entries', async () => {
  const archive = await pack([
    [{ name: 'd/', type: 'directory' }],
    [{ name: 'd/a.txt', mode: 0o640 }, 'hello'],
    [{ name: 'd/empty' }, ''],
    [{ name: 'd/l', type: 'symlink', linkname: 'a.txt' }],
    [{ name: 'd/big' }, 'x'.repeat(1500)],
  ]);
  const whole = read(archive);
  assert.deepEqual(whole.map((e) => [e.name, e.type, e.size, e.body.length]), [['d/', 'directory', 0, 0], ['d/a.txt', 'file', 5, 5], ['d/empty', 'file', 0, 0], ['d/l', 'symlink', 0, 0], ['d/big', 'file', 1500, 1500]]);
  assert.equal(whole[1]!.mode, 0o640);
  assert.equal(whole[3]!.linkname, 'a.txt');
  for (const cut of [1, 7, 511, 512, 513, 4096]) assert.deepEqual(read(archive, cut), whole, `cut ${cut}`);
});

test('GNU long names and links, pax path/linkpath, ustar prefix: names as the system tar wrote them', (t) => {
  const { dir, cleanup } = tempDir('rlp-tarfmt');
  t.after(cleanup);
  const long = `${'n'.repeat(90)}/${'m'.repeat(90)}/f`;
  mkdirSync(join(dir, long, '..'), { recursive: true });
  writeFileSync(join(dir, long), 'deep');
  symlinkSync(long, join(dir, 'ln'));
  for (const format of ['gnu', 'pax']) {
    const entries = read(execFileSync('tar', [`--format=${format}`, '-cf', '-', '-C', dir, long, 'ln']));
    assert.deepEqual(entries.map((e) => [e.name, e.type, e.linkname, e.body]), [[long, 'file', '', 'deep'], ['ln', 'symlink', long, '']], format);
  }
  const ustar = read(execFileSync('tar', ['--format=ustar', '-cf', '-', '-C', dir, long]));
  assert.equal(ustar[0]!.name, long);
});

test('base-256 sizes; a body shorter than its header says is a truncated archive naming the entry', () => {
  const big = Buffer.concat([ustarHeader('huge', 2 ** 40), Buffer.alloc(100)]);
  assert.throws(() => read(big), (e: Error) => e instanceof TarFormatError && /ends inside entry "huge": 100 of its 1099511627776 bytes arrived/.test(e.message));
});

test('end of archive: required, two zero blocks; a lone zero block is skipped; what follows the end is not read', async () => {
  const one = await pack([[{ name: 'a' }, 'A']]);
  const body = one.subarray(0, 1024); // header + block of 'a', no end marker
  assert.throws(() => read(body), /no end-of-archive marker after 1 entries \(1024 bytes\)/);
  assert.throws(() => read(Buffer.alloc(0)), /the archive is empty \(0 bytes\)/);
  assert.throws(() => read(body.subarray(0, 300)), /ends inside a tar header at byte 300/);
  const lone = Buffer.concat([body, Buffer.alloc(512), (await pack([[{ name: 'b' }, 'B']])).subarray(0, 1024), Buffer.alloc(1024), Buffer.from('garbage after the end')]);
  assert.deepEqual(read(lone).map((e) => e.name), ['a', 'b']);
});

test('a corrupt header is a format error at its offset', async () => {
  const a = await pack([[{ name: 'a' }, 'A']]);
  a[5] = a[5]! ^ 0xff;
  assert.throws(() => read(a), /bad tar header checksum at byte 0/);
  const b = Buffer.from(await pack([[{ name: 'a' }, 'A']]));
  b.write('9', 124); // not octal
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  assert.throws(() => read(b), /bad size "9.*" in a tar header/);
});
