// Idempotent, all-or-nothing writes of a pod's identity files (init containers restart): compare
// what is on disk with what we fetched, then write every changed file via temp file + fsync + rename
// in its own directory. All temp files are staged before the first rename, so a failure while
// writing leaves the old files untouched and no temp file behind; secrets never touch another path.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { LuxopsError } from './errors.js';
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
}

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
  const plan: WritePlan = { write: [], unchanged: [], conflicts: [] };
  for (const f of files) {
    const existing = await readExisting(f);
    if (existing === undefined) plan.write.push(f);
    else if (sameSafely(f, existing)) plan.unchanged.push(f);
    else if (f.derived) plan.write.push(f);
    else {
      plan.conflicts.push(f);
      plan.write.push(f);
    }
  }
  return plan;
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
  if (plan.write.length === 0) return [];
  await (o.commit ?? commitIdentityFiles)(plan.write);
  return plan.write.map((f) => f.path);
}
