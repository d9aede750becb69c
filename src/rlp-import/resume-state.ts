// The resume record beside the output: for each part, how many of its leading bytes are on disk.
// Parts are written front to back, so one count per part is the completed range [0, done). It is
// only trusted when the remote objects are unchanged (same names, sizes, ETags) and the output exists.
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
  /** leading bytes of this part already written to the output */
  done: number;
  /** the part is complete (needed when its size was unknown) */
  complete: boolean;
}

export interface ResumeState {
  readonly version: 1;
  readonly file: string;
  readonly parts: PartProgress[];
}

/** `<dir>/.<file>.rlp-import-state.json` */
export function statePathFor(outputPath: string): string {
  return join(dirname(outputPath), `.${basename(outputPath)}.rlp-import-state.json`);
}

/** A fresh state for `plans`. */
export function freshState(file: string, plans: readonly PartPlan[]): ResumeState {
  return { version: 1, file, parts: plans.map((p) => ({ name: p.name, size: p.size, etag: p.etag, done: 0, complete: false })) };
}

/** Load the state if it matches the plan; otherwise undefined (start over). */
export async function loadState(path: string, file: string, plans: readonly PartPlan[]): Promise<ResumeState | undefined> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let st: ResumeState;
  try {
    st = JSON.parse(raw) as ResumeState;
  } catch {
    return undefined;
  }
  if (st?.version !== 1 || st.file !== file || !Array.isArray(st.parts) || st.parts.length !== plans.length) return undefined;
  for (let i = 0; i < plans.length; i++) {
    const s = st.parts[i]!;
    const p = plans[i]!;
    if (s.name !== p.name || (s.etag ?? undefined) !== p.etag) return undefined;
    if (p.size !== undefined && s.size !== p.size) return undefined;
    if (!Number.isSafeInteger(s.done) || s.done < 0 || (s.size !== undefined && s.done > s.size)) return undefined;
    s.complete = Boolean(s.complete) || (p.size !== undefined && s.done === p.size);
  }
  return st;
}

/** Persist the state atomically (called after the output's data was synced). */
export async function saveState(path: string, st: ResumeState): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(st) + '\n', { mode: 0o600 });
}

/** Remove the state file; missing is fine. */
export async function removeState(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
