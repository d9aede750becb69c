// Archives for the restore-snapshot tests: tar-stream packs (any header, even hostile ones), a
// data-dir-like tree of incompressible files packed by the system tar, and a fingerprint of a
// directory tree to compare what was restored with what the archive holds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, lstatSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import tar from 'tar-stream';
import { tempDir } from '../rlp-import/helpers.js';

export type Entry = [tar.Header | { name: string; type?: tar.Header['type']; mode?: number; linkname?: string; size?: number }, (string | Buffer)?];

/** A tar built entry by entry with tar-stream (hostile names and links included). */
export async function pack(entries: Entry[]): Promise<Buffer> {
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

/** Recursive listing with contents/link targets: a fingerprint of a directory tree. */
export function tree(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
    if (skip(rel)) continue;
    const p = join(dir, rel);
    const st = lstatSync(p);
    out[rel] = st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : st.isDirectory() ? 'dir' : `${(st.mode & 0o777).toString(8)}:${readFileSync(p).toString('base64')}`;
  }
  return out;
}

/** A data-dir-like tree (dirs, incompressible files of mixed sizes, a symlink) as a .tar.gz from the system tar. */
export function dataDirArchive(totalBytes: number, flags: string[] = ['-z']): { archive: Buffer; expected: Record<string, string> } {
  const { dir, cleanup } = tempDir('rlp-archive');
  try {
    const src = join(dir, 'src');
    const sizes = [3 << 20, 700_000, 65_536, 1, 0, 123_457, 2 << 20];
    let made = 0;
    for (let i = 0; made < totalBytes; i++) {
      const size = Math.min(sizes[i % sizes.length]!, totalBytes - made);
      const sub = join(src, 'db', `d${i % 3}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `f${i}.sst`), randomBytes(size));
      made += Math.max(1, size);
    }
    mkdirSync(join(src, 'staking'), { recursive: true });
    writeFileSync(join(src, 'staking', 'node.json'), '{"id":1}');
    symlinkSync('db/d0', join(src, 'current'));
    const out = join(dir, 'a.tar');
    execFileSync('tar', [...flags, '-cf', out, '-C', src, '.'], { stdio: 'pipe' });
    return { archive: readFileSync(out), expected: tree(src) };
  } finally {
    cleanup();
  }
}

/**
 * One ustar header written by hand (any size, base-256 above 8 GiB as GNU tar writes it): tests
 * of archives whose body is shorter than the header says.
 */
export function ustarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  if (size < 8 ** 11) h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  else {
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--, v >>= 8n) h[i] = Number(v & 0xffn);
  }
  h.write('14700000000\0', 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}
