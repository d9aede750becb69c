// The two file operations behind `luxops install`: copy the running executable into a directory
// and point one symlink per command at it. Both are atomic (temp name in the same directory, then
// rename), so a container that starts while another one re-installs sees the old set or the new one.
import { copyFile, rename, stat, symlink, unlink, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { LuxopsError } from '../core/errors.js';
import { ensureDir, fsyncDir, replaceFileAtomic, tempPathFor } from '../core/files.js';

function failed(what: string, path: string, e: unknown): LuxopsError {
  const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new LuxopsError('E_INSTALL_FAILED', `cannot ${what} ${path}: ${why}`, { cause: e, details: { path } });
}

/** Copy `src` to `<dir>/<name>` with `mode`: temp file, fsync, rename, fsync the directory. Returns the size. */
export async function installExecutable(src: string, dir: string, name: string, mode = 0o755): Promise<number> {
  let size: number;
  try {
    const st = await stat(src);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    size = st.size;
  } catch (e) {
    throw failed('read the running executable', src, e);
  }
  try {
    // 0755 so the luxd container (another user, another image) can traverse and exec it
    await ensureDir(dir, 0o755);
  } catch (e) {
    throw failed('create directory', dir, e);
  }
  const dest = join(dir, name);
  try {
    // a 120 MB executable is copied by the kernel, not read into memory
    await replaceFileAtomic(dest, mode, (tmp) => copyFile(src, tmp, constants.COPYFILE_EXCL));
  } catch (e) {
    throw failed('install', dest, e);
  }
  return size;
}

/** Create or replace `<dir>/<name>` as a relative symlink to `target` (a name in the same directory). */
export async function linkCommand(dir: string, name: string, target: string): Promise<void> {
  const dest = join(dir, name);
  // dot-prefixed temp name, so a half-made link is never taken for a command
  const tmp = tempPathFor(dest);
  try {
    await symlink(target, tmp);
  } catch (e) {
    throw failed('create symlink', tmp, e);
  }
  try {
    // rename over an existing link or file is atomic; over a directory it fails and we say so
    await rename(tmp, dest);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw failed('replace', dest, e);
  }
}

/** Link every name to `target` in `dir`, then fsync the directory once. */
export async function linkCommands(dir: string, names: readonly string[], target: string): Promise<void> {
  for (const name of names) await linkCommand(dir, name, target);
  await fsyncDir(dir).catch((e: unknown) => {
    throw failed('sync directory', dir, e);
  });
}
