// Safe extraction of a tar stream into a staging directory. Every entry is checked before anything
// is written for it: no absolute paths, no `..`, no links that point outside the tree, no devices or
// fifos, nothing written through a symlink the archive itself created; setuid/setgid bits dropped.
import { mkdir, symlink, link, lstat, rm, open } from 'node:fs/promises';
import { posix, join, dirname } from 'node:path';
import tar from 'tar-stream';
import type { Header, Extract } from 'tar-stream';
import { LuxopsError } from '../core/errors.js';

/** The archive holds an entry we refuse; nothing from it reaches the data dir. */
export class UnsafeEntryError extends LuxopsError {
  constructor(entry: string, why: string) {
    super('E_UNSAFE_ARCHIVE', `archive entry ${JSON.stringify(entry)} rejected: ${why}`, { details: { entry } });
  }
}

/** Normalise an entry name and strip components; undefined when nothing is left (skip it). */
export function entryPath(name: string, strip: number): string | undefined {
  if (name.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(name)) throw new UnsafeEntryError(name, 'absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeEntryError(name, "path contains '..'");
  const kept = parts.slice(strip);
  return kept.length === 0 ? undefined : kept.join('/');
}

/** A symlink at `rel` pointing to `target` must stay inside the tree (checked lexically). */
export function checkSymlinkTarget(rel: string, target: string): void {
  if (target === '' || posix.isAbsolute(target)) throw new UnsafeEntryError(rel, `symlink to absolute path ${JSON.stringify(target)}`);
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  if (resolved === '..' || resolved.startsWith('../')) throw new UnsafeEntryError(rel, `symlink ${JSON.stringify(target)} points outside the data dir`);
}

export interface ExtractStats {
  entries: number;
  files: number;
  bytes: number;
}

/** Consume `extract` (already being fed) into `staging`; throws UnsafeEntryError on a bad entry. */
export async function extractInto(extract: Extract, staging: string, strip: number): Promise<ExtractStats> {
  const stats: ExtractStats = { entries: 0, files: 0, bytes: 0 };
  const links = new Set<string>();
  // an entry under a path the archive made a symlink would be written through that link
  const underLink = (rel: string) => {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) if (links.has(parts.slice(0, i).join('/'))) return true;
    return false;
  };
  for await (const entry of extract) {
    const h: Header = entry.header;
    const rel = entryPath(h.name, strip);
    const type = h.type ?? 'file';
    if (type === 'character-device' || type === 'block-device' || type === 'fifo') {
      entry.resume();
      throw new UnsafeEntryError(h.name, `${type} entries are not allowed`);
    }
    if (rel === undefined) {
      entry.resume();
      continue;
    }
    if (underLink(rel)) throw new UnsafeEntryError(h.name, 'path goes through a symlink from the archive');
    const dest = join(staging, rel);
    stats.entries++;
    // replace an earlier entry of the same name (tar semantics: the last one wins)
    const prior = await lstat(dest).catch(() => undefined);
    if (prior && !(prior.isDirectory() && type === 'directory')) {
      await rm(dest, { recursive: true, force: true });
      links.delete(rel);
    }
    await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
    const mode = (h.mode ?? 0o644) & 0o777; // setuid/setgid/sticky dropped
    if (type === 'directory') {
      await mkdir(dest, { recursive: true, mode: mode | 0o700 });
      entry.resume();
    } else if (type === 'symlink') {
      checkSymlinkTarget(rel, h.linkname ?? '');
      await symlink(h.linkname!, dest);
      links.add(rel);
      entry.resume();
    } else if (type === 'link') {
      const target = entryPath(h.linkname ?? '', strip);
      if (target === undefined || underLink(target) || links.has(target)) throw new UnsafeEntryError(h.name, `hard link to ${JSON.stringify(h.linkname)} is not a regular file in the archive`);
      await link(join(staging, target), dest).catch((e: NodeJS.ErrnoException) => {
        throw new UnsafeEntryError(h.name, `hard link to ${JSON.stringify(h.linkname)}: ${e.code ?? e.message}`);
      });
      entry.resume();
    } else if (type === 'file' || type === 'contiguous-file') {
      const fh = await open(dest, 'wx', mode);
      try {
        for await (const chunk of entry as AsyncIterable<Uint8Array>) await fh.write(chunk);
      } finally {
        await fh.close();
      }
      stats.files++;
      stats.bytes += h.size ?? 0;
    } else {
      entry.resume();
      throw new UnsafeEntryError(h.name, `unsupported entry type ${type}`);
    }
  }
  return stats;
}

/** A new tar-stream extractor. */
export function newExtract(): Extract {
  return tar.extract();
}
