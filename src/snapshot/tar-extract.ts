// Safe extraction of tar entries into a staging directory, driven by tar-reader.ts. Every entry is
// checked before anything is written for it: no absolute paths, no `..`, no devices or fifos,
// nothing written through a symlink the archive itself created, setuid/setgid bits dropped. Symlink
// targets are checked as text when they arrive and, once the archive is complete, resolved through
// every link the archive created (a later link can change what an earlier target means:
// `a/b/up -> ../..` then `db -> a/b/up/../x`). File system calls are synchronous: each is short,
// they keep the archive's order without queues, and the thread pool stays free for gunzip.
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, readlinkSync, rmSync, statfsSync, symlinkSync, writeSync } from 'node:fs';
import { posix, join } from 'node:path';
import { LuxopsError } from '../core/errors.js';
import type { TarHandler, TarHeader } from './tar-reader.js';

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

/**
 * Resolve `rel` inside `root` the way the kernel would, following every symlink on disk (only the
 * archive's own: `root` is the staging dir). Returns the resolved path, or why it cannot stay inside.
 */
export function resolveInside(root: string, rel: string): { path: string } | { escape: string } {
  const pending = rel.split('/');
  const out: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return { escape: 'resolves outside the data dir through links of the archive' };
      out.pop();
      continue;
    }
    out.push(c);
    const st = lstatSync(join(root, ...out), { throwIfNoEntry: false });
    if (!st?.isSymbolicLink()) continue;
    // past 40 links the kernel gives up (ELOOP): a loop cannot lead anywhere, inside or out
    if (++hops > 40) return { path: out.join('/') };
    const target = readlinkSync(join(root, ...out));
    if (posix.isAbsolute(target)) return { escape: `resolves to absolute path ${JSON.stringify(target)} through links of the archive` };
    out.pop();
    pending.unshift(...target.split('/'));
  }
  return { path: out.join('/') };
}

export interface ExtractStats {
  entries: number;
  files: number;
  bytes: number;
  /** entries not extracted because their path is reserved (the marker, staging dirs) */
  skipped: number;
}

export interface ExtractorOptions {
  readonly staging: string;
  readonly strip: number;
  /** paths (after strip) the archive may not write: the restore's own marker and staging dirs */
  readonly reserved: (rel: string) => boolean;
  /** called for each reserved entry skipped */
  readonly onSkip?: (name: string) => void;
  /** free bytes where the staging dir is (tests inject a small disk) */
  readonly freeBytes?: () => number;
  /** a regular file was written in full and closed (its absolute path) */
  readonly onFileWritten?: (path: string) => void;
}

// entries at least this large are checked against the free space before a byte is written
const LARGE_ENTRY = 64 << 20;

/** A TarHandler that writes entries into the staging dir; `verifyLinks` after the last one. */
export class Extractor implements TarHandler {
  readonly stats: ExtractStats = { entries: 0, files: 0, bytes: 0, skipped: 0 };
  /** directories created, for the final fsync of their entries */
  readonly dirs = new Set<string>(['']);
  private readonly links = new Set<string>();
  private fd: number | undefined;
  private path = '';
  private name = '';

  constructor(private readonly o: ExtractorOptions) {}

  // an entry under a path the archive made a symlink would be written through that link
  private underLink(rel: string): boolean {
    let at = rel.indexOf('/');
    while (at !== -1) {
      if (this.links.has(rel.slice(0, at))) return true;
      at = rel.indexOf('/', at + 1);
    }
    return false;
  }

  private mkdirs(rel: string, mode: number): void {
    if (this.dirs.has(rel)) return;
    const parent = posix.dirname(rel);
    if (parent !== '.') this.mkdirs(parent, 0o755);
    const at = join(this.o.staging, rel);
    const st = lstatSync(at, { throwIfNoEntry: false });
    // a file of an earlier entry where a later entry needs a directory: the later one wins (tar)
    if (st && !st.isDirectory()) rmSync(at, { force: true });
    if (!st?.isDirectory()) mkdirSync(at, { mode });
    this.dirs.add(rel);
  }

  entry(h: TarHeader): void {
    this.name = h.name;
    const rel = entryPath(h.name, this.o.strip);
    const type = h.type;
    if (type === 'character-device' || type === 'block-device' || type === 'fifo') throw new UnsafeEntryError(h.name, `${type} entries are not allowed`);
    if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory' && type !== 'symlink' && type !== 'link') throw new UnsafeEntryError(h.name, `${type} entries are not supported`);
    if (rel === undefined) return;
    if (this.o.reserved(rel)) {
      this.stats.skipped++;
      this.o.onSkip?.(h.name);
      return;
    }
    if (this.underLink(rel)) throw new UnsafeEntryError(h.name, 'path goes through a symlink from the archive');
    const dest = join(this.o.staging, rel);
    this.stats.entries++;
    // replace an earlier entry of the same name (tar semantics: the last one wins)
    const prior = lstatSync(dest, { throwIfNoEntry: false });
    if (prior && !(prior.isDirectory() && type === 'directory')) {
      rmSync(dest, { recursive: true, force: true });
      const gone = (p: string) => p === rel || p.startsWith(`${rel}/`);
      for (const l of [...this.links]) if (gone(l)) this.links.delete(l);
      if (prior.isDirectory()) for (const d of [...this.dirs]) if (gone(d)) this.dirs.delete(d);
    }
    const parent = posix.dirname(rel);
    if (parent !== '.') this.mkdirs(parent, 0o755);
    const mode = h.mode & 0o777; // setuid/setgid/sticky dropped
    if (type === 'directory') {
      if (!prior) mkdirSync(dest, { mode: mode | 0o700 });
      this.dirs.add(rel);
    } else if (type === 'symlink') {
      checkSymlinkTarget(rel, h.linkname);
      symlinkSync(h.linkname, dest);
      this.links.add(rel);
    } else if (type === 'link') {
      const target = entryPath(h.linkname, this.o.strip);
      if (target === undefined || this.underLink(target) || this.links.has(target)) throw new UnsafeEntryError(h.name, `hard link to ${JSON.stringify(h.linkname)} is not a regular file in the archive`);
      try {
        linkSync(join(this.o.staging, target), dest);
      } catch (e) {
        throw new UnsafeEntryError(h.name, `hard link to ${JSON.stringify(h.linkname)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    } else {
      if (h.size >= LARGE_ENTRY) {
        const free = this.o.freeBytes?.() ?? ((s) => s.bavail * s.bsize)(statfsSync(this.o.staging));
        if (h.size > free) throw new LuxopsError('E_NO_SPACE', `archive entry ${JSON.stringify(h.name)} is ${h.size} bytes, only ${free} bytes are free in ${this.o.staging}`, { details: { entry: h.name, neededBytes: h.size, availableBytes: free } });
      }
      this.fd = openSync(dest, 'wx', mode);
      this.path = dest;
      this.stats.files++;
    }
  }

  data(slice: Buffer): void {
    if (this.fd === undefined) return;
    let off = 0;
    while (off < slice.length) off += writeSync(this.fd, slice, off, slice.length - off);
    this.stats.bytes += slice.length;
  }

  endEntry(): void {
    if (this.fd === undefined) return;
    this.closeFile();
    this.o.onFileWritten?.(this.path);
  }

  /** The entry being written when the input stopped (for error messages). */
  get currentEntry(): string {
    return this.name;
  }

  /** Close a file left open by a failure. */
  closeFile(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  /** After the last entry: every symlink the archive made must resolve inside the tree. */
  verifyLinks(): void {
    for (const rel of this.links) {
      const r = resolveInside(this.o.staging, rel);
      if ('escape' in r) throw new UnsafeEntryError(rel, `symlink ${JSON.stringify(readlinkSync(join(this.o.staging, rel)))} ${r.escape}`);
    }
  }
}
