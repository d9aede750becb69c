// Idempotent, all-or-nothing writes of a pod's identity files (init containers restart): compare
// what is on disk with what we fetched, then write every changed file via temp file + fsync + rename
// in its own directory. All temp files are staged before the first rename, so a failure while
// writing leaves the old files untouched and no temp file behind; secrets never touch another path.
// A file already in place keeps its bytes but not a loose mode: it is put back to the declared one.
import { constants, realpathSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { LuxopsError, UsageError } from './errors.js';
import { ensureDir, fsyncDir, tempPathFor } from './files.js';

/** One file to put in place. */
export interface IdentityFile {
  /** for messages and logs, e.g. "TLS key" */
  readonly label: string;
  readonly path: string;
  readonly data: Uint8Array | string;
  readonly mode: number;
  /** whether the bytes already on disk hold the same identity (may be more lenient than byte equality) */
  readonly same: (existing: Buffer) => boolean;
  /** derived from the identity (NodeID, public key): rewritten when stale, never a conflict */
  readonly derived?: boolean;
}

/** What to do with each file. */
export interface WritePlan {
  readonly write: IdentityFile[];
  readonly unchanged: IdentityFile[];
  /** identity files that exist and hold a different key */
  readonly conflicts: IdentityFile[];
  /** unchanged files whose mode is not the declared one (a 0644 staker.key), with the mode found */
  readonly modes: Array<{ f: IdentityFile; found: number }>;
}

const octal = (m: number) => `0${(m & 0o7777).toString(8).padStart(3, '0')}`;

async function readExisting(f: IdentityFile): Promise<Buffer | undefined> {
  try {
    return await readFile(f.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new LuxopsError('E_READ_EXISTING', `cannot read existing ${f.label} ${f.path}: ${code ?? (e as Error).message}`, { cause: e });
  }
}

/** Compare every target with the file on disk. */
export async function planIdentityWrite(files: readonly IdentityFile[]): Promise<WritePlan> {
  const plan: WritePlan = { write: [], unchanged: [], conflicts: [], modes: [] };
  for (const f of files) {
    const existing = await readExisting(f);
    if (existing === undefined) plan.write.push(f);
    else if (sameSafely(f, existing)) {
      const found = await modeOf(f);
      // a link is never chmod-ed (that would change its target, outside our paths): it is replaced
      // by a regular file with the right mode, like any file we write
      if (found === 'link') plan.write.push(f);
      else {
        plan.unchanged.push(f);
        if (found !== f.mode) plan.modes.push({ f, found });
      }
    } else if (f.derived) plan.write.push(f);
    else {
      plan.conflicts.push(f);
      plan.write.push(f);
    }
  }
  return plan;
}

/** The permission bits of `f.path` itself, or 'link' when it is a symlink whose target's mode is not `f.mode`. */
async function modeOf(f: IdentityFile): Promise<number | 'link'> {
  let fh;
  try {
    fh = await open(f.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') {
      // the target's mode decides: a link to a correct 0600 file needs nothing
      const st = await open(f.path, 'r').then(async (h) => { try { return await h.stat(); } finally { await h.close(); } });
      return (st.mode & 0o7777) === f.mode ? f.mode : 'link';
    }
    throw new LuxopsError('E_READ_EXISTING', `cannot read existing ${f.label} ${f.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    return (await fh.stat()).mode & 0o7777;
  } finally {
    await fh.close();
  }
}

/**
 * Put the declared mode on files already in place. chmod goes through a descriptor opened with
 * O_NOFOLLOW, so a link swapped in since planning fails (ELOOP) instead of changing its target.
 */
export async function fixModes(fixes: WritePlan['modes'], log: Logger): Promise<void> {
  for (const { f, found } of fixes) {
    try {
      const fh = await open(f.path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        await fh.chmod(f.mode);
      } finally {
        await fh.close();
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new LuxopsError('E_WRITE_FAILED', `cannot set mode ${octal(f.mode)} on ${f.label} ${f.path} (found ${octal(found)}): ${code ?? (e as Error).message}`, { cause: e });
    }
    log.warn({ code: 'W_MODE_FIXED', path: f.path, from: octal(found), to: octal(f.mode) }, `${f.label} ${f.path} was already in place with mode ${octal(found)}; set to ${octal(f.mode)}`);
  }
}

/**
 * The file a path names once the kernel resolves its directory: realpath of the directory (of its
 * nearest existing ancestor, for directories still to be created) + the name. Two flags whose paths
 * are equal here would write the same file, e.g. `b/staker.key` and `blink/staker.key` with blink -> b.
 */
export function canonicalPath(path: string): string {
  const abs = resolve(path);
  let dir = dirname(abs);
  const rest: string[] = [basename(abs)];
  for (;;) {
    try {
      return join(realpathSync(dir), ...rest);
    } catch (e) {
      const parent = dirname(dir);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) return abs;
      rest.unshift(basename(dir));
      dir = parent;
    }
  }
}

/** Refuse (exit 2) flags whose paths name the same file after resolving directory symlinks. */
export function assertDistinctPaths(paths: ReadonlyArray<readonly [flag: string, path: string | undefined]>): void {
  const seen = new Map<string, string>();
  for (const [flag, path] of paths) {
    if (!path) continue;
    const real = canonicalPath(path);
    const other = seen.get(real);
    if (other !== undefined) {
      throw new UsageError(`--${other} and --${flag} name the same file ${real}${real !== resolve(path) ? ` (${path} resolves there through a symlink)` : ''}; they must be different files`, 'E_BAD_OPTION');
    }
    seen.set(real, flag);
  }
}

function sameSafely(f: IdentityFile, existing: Buffer): boolean {
  try {
    return f.same(existing);
  } catch {
    return false; // unparsable content is a different identity
  }
}

/** Write all `files` atomically (stage every temp file, then rename); parents get `dirMode`. */
export async function commitIdentityFiles(files: readonly IdentityFile[], dirMode = 0o700): Promise<void> {
  const staged: Array<{ f: IdentityFile; tmp: string }> = [];
  let current: IdentityFile | undefined;
  try {
    for (const f of files) {
      current = f;
      await ensureDir(dirname(f.path), dirMode);
      const tmp = tempPathFor(f.path);
      // 'wx' with the final mode: the secret is never readable by others, not even for a moment
      const fh = await open(tmp, 'wx', f.mode);
      staged.push({ f, tmp });
      try {
        await fh.writeFile(f.data);
        await fh.chmod(f.mode);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    while (staged.length > 0) {
      const { f, tmp } = staged[0]!;
      current = f;
      await rename(tmp, f.path);
      staged.shift();
    }
    for (const dir of new Set(files.map((f) => dirname(f.path)))) await fsyncDir(dir);
  } catch (e) {
    await Promise.all(staged.map(({ tmp }) => unlink(tmp).catch(() => undefined)));
    const code = (e as NodeJS.ErrnoException).code;
    throw new LuxopsError('E_WRITE_FAILED', `cannot write ${current?.label ?? 'file'} ${current?.path ?? ''}: ${code ?? (e as Error).message}`, { cause: e });
  }
}

/** How to apply a plan. */
export interface ApplyOptions {
  overwrite: boolean;
  log: Logger;
  /** NodeID or public key, for messages */
  identity: string;
  /** injectable for tests; defaults to commitIdentityFiles */
  commit?: (files: readonly IdentityFile[]) => Promise<void>;
}

/**
 * The decision both downloaders make once they know what is on disk: nothing to do (a restarted
 * init container), conflicting files (refuse unless --overwrite), or write what changed.
 * Returns the paths written.
 */
export async function applyWritePlan(plan: WritePlan, o: ApplyOptions): Promise<string[]> {
  if (plan.conflicts.length > 0) {
    const names = plan.conflicts.map((f) => `${f.label} ${f.path}`).join(', ');
    const paths = plan.conflicts.map((f) => f.path);
    if (!o.overwrite) {
      throw new LuxopsError('E_EXISTING_DIFFERS', `existing ${names} ${plan.conflicts.length === 1 ? 'holds' : 'hold'} a different key than ${o.identity}; refusing to replace without --overwrite`, { details: { paths } });
    }
    o.log.warn({ code: 'W_OVERWRITE', paths }, `replacing ${names} (--overwrite)`);
  }
  await fixModes(plan.modes, o.log);
  if (plan.write.length === 0) return [];
  await (o.commit ?? commitIdentityFiles)(plan.write);
  return plan.write.map((f) => f.path);
}
