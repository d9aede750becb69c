// What goes into a snapshot, and the tar stream of it. The selection is walked once up front (sizes
// for progress and ETA, every refusal before a byte is uploaded); then each file is opened without
// following links and read exactly to the size its header announces. A file that changes meanwhile
// means something writes the data dir: an error, or with --allow-live a warning (a shrunk file is
// padded with zeros so the archive stays well-formed).
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Logger } from 'pino';
import { LuxopsError, UsageError } from '../core/errors.js';

export interface SourceEntry {
  /** path inside the archive (posix, relative to the data dir) */
  readonly rel: string;
  readonly abs: string;
  readonly type: 'directory' | 'file' | 'symlink';
  readonly mode: number;
  readonly size: number;
  readonly mtime: Date;
  readonly uid: number;
  readonly gid: number;
  readonly linkname?: string;
}

export interface Selection {
  readonly entries: readonly SourceEntry[];
  /** bytes of file content */
  readonly totalBytes: number;
  readonly skipped: ReadonlyArray<{ rel: string; why: string }>;
}

export interface SelectOptions {
  readonly dataDir: string;
  /** paths relative to the data dir (or absolute inside it); empty = all of it */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** keep staking/ and *.key files (default: left out, a restored copy must never carry a validator's identity) */
  readonly includeKeys: boolean;
}

/** Files luxops itself keeps in a data dir: never part of a snapshot. */
const OWN_FILES = [/^\.luxops-cchain-recovery\.json$/, /^\.restore-snapshot\.done$/, /^\.restore-snapshot\.tmp-/, /^\.luxops-cchain-staging-/];

/** A `--include`/`--exclude` value as an archive path ('' = the whole data dir). */
export function selectionPath(dataDir: string, p: string, flag: string): string {
  const root = resolve(dataDir);
  const abs = isAbsolute(p) ? resolve(p) : resolve(root, p);
  const rel = relative(root, abs);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new UsageError(`invalid value for --${flag}: ${JSON.stringify(p)} is outside --data-dir ${root}`, 'E_BAD_OPTION');
  }
  return rel.split(sep).join('/');
}

/** Why `rel` is left out, or undefined. */
function skipReason(rel: string, excludes: readonly string[], includeKeys: boolean): string | undefined {
  for (const x of excludes) if (x !== '' && (rel === x || rel.startsWith(`${x}/`))) return `--exclude ${x}`;
  const base = posix.basename(rel);
  if (!rel.includes('/') && OWN_FILES.some((re) => re.test(base))) return 'luxops state file';
  if (!includeKeys && (rel === 'staking' || rel.startsWith('staking/') || base.endsWith('.key'))) return 'staking keys are left out (--include-keys keeps them)';
  return undefined;
}

/** The target must stay inside the archive (what restore-snapshot accepts). */
function checkLink(rel: string, target: string): void {
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  if (target === '' || posix.isAbsolute(target) || resolved === '..' || resolved.startsWith('../')) {
    throw new LuxopsError('E_UNSAFE_SYMLINK', `symlink ${rel} -> ${target} points outside --data-dir; restore-snapshot would reject the archive: --exclude it, or snapshot the directory it points to`, { exitCode: 2 });
  }
}

/** Walk the selection (sorted, parents before children, each path once). */
export async function selectEntries(o: SelectOptions): Promise<Selection> {
  const root = resolve(o.dataDir);
  const st = await lstat(root).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`invalid value for --data-dir: ${root}: ${e.code ?? e.message}`, 'E_BAD_OPTION');
  });
  if (!st.isDirectory()) throw new UsageError(`invalid value for --data-dir: ${root} is not a directory`, 'E_BAD_OPTION');
  const includes = [...new Set((o.include.length > 0 ? o.include : ['']).map((p) => selectionPath(root, p, 'include')))].sort();
  const excludes = o.exclude.map((p) => selectionPath(root, p, 'exclude'));
  // path -> is a directory we descend into
  const seen = new Map<string, boolean>();
  const entries: SourceEntry[] = [];
  const skipped: Array<{ rel: string; why: string }> = [];
  let totalBytes = 0;

  const add = async (rel: string): Promise<boolean> => {
    const known = seen.get(rel);
    if (known !== undefined) return known;
    seen.set(rel, false);
    const why = skipReason(rel, excludes, o.includeKeys);
    if (why !== undefined) {
      skipped.push({ rel, why });
      return false;
    }
    const abs = join(root, rel);
    const s = await lstat(abs);
    const base = { rel, abs, mode: s.mode & 0o7777, mtime: s.mtime, uid: s.uid, gid: s.gid };
    if (s.isDirectory()) entries.push({ ...base, type: 'directory', size: 0 });
    else if (s.isFile()) {
      entries.push({ ...base, type: 'file', size: s.size });
      totalBytes += s.size;
    } else if (s.isSymbolicLink()) {
      const target = await readlink(abs);
      checkLink(rel, target);
      entries.push({ ...base, type: 'symlink', size: 0, linkname: target });
    } else {
      skipped.push({ rel, why: 'not a file, directory or symlink (socket, fifo or device)' });
      return false;
    }
    seen.set(rel, s.isDirectory());
    return s.isDirectory();
  };

  for (const inc of includes) {
    // the include's parent directories first, so a restore recreates them with their modes
    const parts = inc === '' ? [] : inc.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!seen.has(parent)) {
        const s = await lstat(join(root, parent));
        if (!s.isDirectory()) throw new UsageError(`invalid value for --include: ${inc}: ${parent} is not a directory`, 'E_BAD_OPTION');
        await add(parent);
      }
    }
    if (inc !== '') {
      const exists = await lstat(join(root, inc)).then(() => true, () => false);
      if (!exists) throw new UsageError(`invalid value for --include: ${inc} does not exist in --data-dir ${root}`, 'E_BAD_OPTION');
    }
    // depth-first, names sorted: the archive lists a tree the same way every time
    const stack: string[] = [inc];
    while (stack.length > 0) {
      const rel = stack.pop()!;
      const isDir = rel === '' ? true : await add(rel);
      if (!isDir) continue;
      const names = (await readdir(join(root, rel))).sort().reverse();
      for (const n of names) stack.push(rel === '' ? n : `${rel}/${n}`);
    }
  }
  return { entries, totalBytes, skipped };
}

export interface PackOptions {
  readonly allowLive: boolean;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** file bytes read so far (for progress) */
  readonly onBytes: (n: number) => void;
  readonly onEntry: () => void;
}

const CHUNK = 1 << 20;

type Sink = ReturnType<tar.Pack['entry']>;

function waitDrain(s: NodeJS.EventEmitter & { destroyed?: boolean; destroying?: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    // already closed: no event will come
    if (s.destroyed || s.destroying) return reject(new Error('tar stream closed'));
    const done = (ok: boolean) => () => {
      s.off('drain', onDrain);
      s.off('close', onClose);
      if (ok) resolve();
      else reject(new Error('tar stream closed'));
    };
    const onDrain = done(true);
    const onClose = done(false);
    s.on('drain', onDrain);
    s.on('close', onClose);
  });
}

/** Write one file's content (exactly `e.size` bytes) into its entry. */
async function writeFile(pack: tar.Pack, e: SourceEntry, o: PackOptions): Promise<void> {
  let fh;
  try {
    fh = await open(e.abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (o.allowLive && code === 'ENOENT') {
      o.log.warn({ path: e.rel }, `${e.rel} disappeared while the snapshot was made; left out (--allow-live)`);
      return;
    }
    throw new LuxopsError('E_SOURCE_CHANGED', `cannot read ${e.abs}: ${code ?? (err as Error).message}${code === 'ENOENT' ? ' (deleted while the snapshot was made: is luxd running?)' : ''}`);
  }
  try {
    const changed = (what: string) => {
      const msg = `${e.rel} ${what} while the snapshot was made`;
      if (!o.allowLive) throw new LuxopsError('E_SOURCE_CHANGED', `${msg}: something writes the data dir (is luxd running?); stop it, or pass --allow-live for a copy that is not a consistent snapshot`);
      o.log.warn({ path: e.rel }, `${msg} (--allow-live)`);
    };
    const before = await fh.stat();
    if (before.size !== e.size) changed(`changed size (${e.size} -> ${before.size} bytes)`);
    let finish!: (err?: Error | null) => void;
    const finished = new Promise<void>((res, rej) => (finish = (err) => (err ? rej(err) : res())));
    // awaited only after the last write; a pack destroyed earlier fails a write first
    finished.catch(() => undefined);
    const sink = pack.entry({ name: e.rel, type: 'file', size: e.size, mode: e.mode, mtime: e.mtime, uid: e.uid, gid: e.gid }, (err) => finish(err)) as unknown as Sink & NodeJS.EventEmitter & { write(b: Buffer): boolean; end(): void };
    // its failure reaches the entry callback; a destroyed pack must not leave an unhandled 'error'
    sink.on('error', () => undefined);
    let off = 0;
    while (off < e.size) {
      o.signal.throwIfAborted();
      const want = Math.min(CHUNK, e.size - off);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, off);
      let chunk = buf.subarray(0, bytesRead);
      if (bytesRead === 0) {
        changed(`shrank (read ${off} of ${e.size} bytes)`);
        chunk = Buffer.alloc(want); // zeros keep the archive well-formed
      }
      off += chunk.length;
      o.onBytes(chunk.length);
      if (!sink.write(chunk)) await waitDrain(sink);
    }
    sink.end();
    await finished;
    const after = await fh.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) changed(`was modified (size ${before.size} -> ${after.size} bytes)`);
  } finally {
    await fh.close();
  }
}

/** The tar stream of `entries` (never buffered whole). */
export function packEntries(entries: readonly SourceEntry[], o: PackOptions): Readable {
  const pack = tar.pack();
  void (async () => {
    for (const e of entries) {
      o.signal.throwIfAborted();
      if (e.type === 'file') await writeFile(pack, e, o);
      else {
        // directories end in / as every tar writes them (GNU tar -t shows them so)
        const h = { name: e.type === 'directory' ? `${e.rel}/` : e.rel, type: e.type, mode: e.mode, mtime: e.mtime, uid: e.uid, gid: e.gid, ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) } as tar.Header;
        pack.entry(h);
      }
      o.onEntry();
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  return Readable.from(pack as unknown as AsyncIterable<Buffer>, { objectMode: false });
}
