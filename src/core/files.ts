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

/** Write `data` to `path` atomically: temp file in the same dir, fsync, rename, fsync the dir. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteAtomicOptions = {}): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir, opts.dirMode ?? 0o700);
  const tmp = tempPathFor(path);
  const mode = opts.mode ?? 0o644;
  let created = false;
  try {
    // 'wx': never follow or reuse an existing file at the temp name
    const fh = await open(tmp, 'wx', mode);
    created = true;
    try {
      await fh.writeFile(data);
      // umask may have narrowed the mode at creation; set it exactly
      await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    created = false;
    await fsyncDir(dir);
  } catch (e) {
    if (created) await unlink(tmp).catch(() => undefined);
    throw new LuxopsError('E_WRITE_FAILED', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}
