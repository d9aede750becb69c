// The resume record beside the output: for each part, how many of its leading bytes were written.
// Parts are written front to back, so one count per part is the completed range [0, done). It is
// only trusted when the remote objects are unchanged (same names, sizes, ETags) and the output exists.
//
// Two counts per part: `done` (written: in the kernel's page cache when the state was saved) and
// `synced` (fdatasync'ed to the disk). A killed process or pod loses nothing the kernel holds, so
// on the same boot every written byte is trusted; after the machine rebooted (or the volume moved
// to another node) only synced bytes are, because unsynced pages may never have reached the disk.
// The boot is told by the kernel's boot_id, which a container reads from the host kernel. This is
// what lets the download skip a full-file fdatasync every state save (it cost ~1 s per GiB).
import { readFile, unlink } from 'node:fs/promises';
import { join, dirname, basename } from 'node:path';
import { writeFileAtomic } from '../core/files.js';
import type { PartPlan } from './plan-parts.js';

/** Per-part progress as stored. */
export interface PartProgress {
  readonly name: string;
  /** size from HEAD, or learned at the end of a part whose size was unknown */
  size: number | undefined;
  readonly etag: string | undefined;
  /** leading bytes of this part already written to the output (in the page cache at least) */
  done: number;
  /** leading bytes of this part known to be on disk (fdatasync'ed); never more than `done` */
  synced: number;
  /** the part is complete (needed when its size was unknown) */
  complete: boolean;
}

export interface ResumeState {
  readonly version: 2;
  readonly file: string;
  /** the kernel boot that wrote the unsynced bytes; undefined where it cannot be read */
  bootId: string | undefined;
  readonly parts: PartProgress[];
}

/** What loadState found: the state to continue from, and the written bytes it stopped trusting. */
export interface LoadedState {
  readonly state: ResumeState;
  /** bytes written by another boot and never synced: they are fetched again */
  readonly distrustedBytes: number;
}

/** Forget a part's bytes (restarted download, checksum mismatch): written and synced go together. */
export function resetPart(p: PartProgress): void {
  p.done = 0;
  p.synced = 0;
  p.complete = false;
}

/** `<dir>/.<file>.rlp-import-state.json` */
export function statePathFor(outputPath: string): string {
  return join(dirname(outputPath), `.${basename(outputPath)}.rlp-import-state.json`);
}

/** A fresh state for `plans`. */
export function freshState(file: string, plans: readonly PartPlan[], bootId: string | undefined): ResumeState {
  return { version: 2, file, bootId, parts: plans.map((p) => ({ name: p.name, size: p.size, etag: p.etag, done: 0, synced: 0, complete: false })) };
}

/**
 * Load the state if it matches the plan; otherwise undefined (start over). Written-but-unsynced
 * bytes are kept only when `bootId` is the boot that wrote them. A version-1 state (from before
 * the boot id) synced every byte it claims.
 */
export async function loadState(path: string, file: string, plans: readonly PartPlan[], bootId: string | undefined): Promise<LoadedState | undefined> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let st: { version?: unknown; file?: unknown; bootId?: unknown; parts?: unknown };
  try {
    st = JSON.parse(raw) as typeof st;
  } catch {
    return undefined;
  }
  if ((st?.version !== 1 && st?.version !== 2) || st.file !== file || !Array.isArray(st.parts) || st.parts.length !== plans.length) return undefined;
  const sameBoot = st.version === 2 && bootId !== undefined && st.bootId === bootId;
  const parts = st.parts as PartProgress[];
  let distrustedBytes = 0;
  for (let i = 0; i < plans.length; i++) {
    const s = parts[i]!;
    const p = plans[i]!;
    if (s.name !== p.name || (s.etag ?? undefined) !== p.etag) return undefined;
    if (p.size !== undefined && s.size !== p.size) return undefined;
    if (!Number.isSafeInteger(s.done) || s.done < 0 || (s.size !== undefined && s.done > s.size)) return undefined;
    if (st.version === 1) s.synced = s.done;
    if (!Number.isSafeInteger(s.synced) || s.synced < 0 || s.synced > s.done) return undefined;
    // a part of unknown size is complete only with all its bytes trusted
    const complete = Boolean(s.complete) && (sameBoot || s.synced === s.done);
    if (!sameBoot && s.done > s.synced) {
      distrustedBytes += s.done - s.synced;
      s.done = s.synced;
    }
    s.complete = complete || (p.size !== undefined && s.done === p.size);
  }
  return { state: { version: 2, file, bootId, parts }, distrustedBytes };
}

/** Persist the state atomically (after the writes it claims returned; see the header for syncs). */
export async function saveState(path: string, st: ResumeState): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(st) + '\n', { mode: 0o600 });
}

/**
 * Forget the bytes of the parts at `indexes` in the saved state (they failed a check): the next
 * download fetches them again. An unreadable state is removed, which starts everything over.
 */
export async function resetParts(path: string, indexes: readonly number[]): Promise<void> {
  let st: ResumeState;
  try {
    st = JSON.parse(await readFile(path, 'utf8')) as ResumeState;
    if (!Array.isArray(st.parts)) throw new Error('no parts');
  } catch {
    await removeState(path);
    return;
  }
  for (const i of indexes) if (st.parts[i]) resetPart(st.parts[i]);
  await saveState(path, st);
}

/** Remove the state file; missing is fine. */
export async function removeState(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
