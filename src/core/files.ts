// Crash-safe file writes: a reader (luxd, kubelet, the next restart) sees either the old file or
// the complete new one, never a prefix. Temp files live in the target's own directory (same
// filesystem, so rename is atomic, and no secret ever touches another path such as /tmp).
import { open, rename, unlink, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';
import { LuxopsError } from './errors.js';

export interface WriteAtomicOptions {
  /** file mode, applied at creation (before any byte is written) */
  mode?: number;
  /** mode for parent directories we create (existing ones are left alone) */
  dirMode?: number;
}

/** Create `dir` and missing parents with `mode` (0700 by default). */
export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
}

/** The temp-file name used next to `path`; exported so tests can assert none is left behind. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsync a directory so a rename inside it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Put a new file at `path` atomically. `create(tmp)` makes the temp file (exclusively: 'wx' or
 * COPYFILE_EXCL, so an existing file or planted symlink is never written through) and returns once it
 * exists; then its mode is set exactly (umask or the copy source may have changed it), it is fsynced,
 * renamed over `path` and the directory is fsynced. The temp file is removed on any failure. Errors
 * are thrown raw for the caller to name.
 */
export async function replaceFileAtomic(path: string, mode: number, create: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(path);
  let created = false;
  try {
    await create(tmp);
    created = true;
    const fh = await open(tmp, 'r');
    try {
      await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    created = false;
    await fsyncDir(dirname(path));
  } catch (e) {
    // a create() that failed midway may still have made the file: remove it unless it was never ours
    if (created || (e as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** Write `data` to `path` atomically: temp file in the same dir, fsync, rename, fsync the dir. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteAtomicOptions = {}): Promise<void> {
  const mode = opts.mode ?? 0o644;
  try {
    await ensureDir(dirname(path), opts.dirMode ?? 0o700);
    await replaceFileAtomic(path, mode, async (tmp) => {
      const fh = await open(tmp, 'wx', mode);
      try {
        await fh.writeFile(data);
      } finally {
        await fh.close();
      }
    });
  } catch (e) {
    throw new LuxopsError('E_WRITE_FAILED', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}
