// The bound on automatic C-chain recoveries: at most `max` per `window`, counted in a small JSON
// file in the data dir (it lives as long as the data, not the container), so a pod that restarts
// in a loop cannot delete and re-import its chain in a loop. A recovery is recorded *before* the
// first destructive step: a supervisor killed half-way still counts it. A file that cannot be read
// or parsed blocks recoveries (never treated as empty): a loop that destroys data is worse than a
// node that waits for its operator.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/files.js';
import { isoUtc } from '../core/utc-time.js';

/** `<data-dir>/.luxops-cchain-recovery.json`. */
export const RECOVERY_STATE_FILE = '.luxops-cchain-recovery.json';

export type RecoveryMode = 'reimport' | 'restore';

/** One automatic recovery, as recorded. */
export interface RecoveryRecord {
  /** when it started (ISO) */
  readonly at: string;
  readonly mode: RecoveryMode;
  /** luxd's text that triggered it */
  readonly reason: string;
  outcome?: 'recovered' | 'failed';
  error?: string;
  endedAt?: string;
}

export interface RecoveryStateDoc {
  readonly version: 1;
  recoveries: RecoveryRecord[];
}

/** The file's content, or why it cannot be trusted. */
export type LoadedState = { readonly doc: RecoveryStateDoc; readonly problem?: undefined } | { readonly doc?: undefined; readonly problem: string };

// enough history for an operator; the bound itself only looks inside the window
const KEEP_RECORDS = 50;

export function recoveryStatePath(dataDir: string): string {
  return join(dataDir, RECOVERY_STATE_FILE);
}

function valid(doc: unknown): doc is RecoveryStateDoc {
  if (!doc || typeof doc !== 'object') return false;
  const d = doc as { version?: unknown; recoveries?: unknown };
  return d.version === 1 && Array.isArray(d.recoveries) &&
    d.recoveries.every((r: unknown) => r !== null && typeof r === 'object' && typeof (r as RecoveryRecord).at === 'string' && Number.isFinite(Date.parse((r as RecoveryRecord).at)));
}

/** Read the state file; a missing file is an empty history. */
export async function loadRecoveryState(path: string): Promise<LoadedState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { doc: { version: 1, recoveries: [] } };
    return { problem: `cannot read ${path}: ${code ?? (e as Error).message}` };
  }
  try {
    const doc: unknown = JSON.parse(text);
    if (valid(doc)) return { doc };
  } catch {
    /* reported below */
  }
  return { problem: `${path} is not a luxops recovery state file (version 1)` };
}

/** How much of the bound is used at `nowMs`. */
export interface Budget {
  readonly used: number;
  readonly max: number;
  readonly windowMs: number;
  readonly allowed: boolean;
  /** when the oldest recovery inside the window leaves it (only when not allowed) */
  readonly nextAllowedAt?: string;
}

// a record from the future (the clock went back) counts: it is inside any window that ends now
export function recoveryBudget(doc: RecoveryStateDoc, nowMs: number, max: number, windowMs: number): Budget {
  const inWindow = doc.recoveries.map((r) => Date.parse(r.at)).filter((t) => t > nowMs - windowMs).sort((a, b) => a - b);
  const used = inWindow.length;
  if (used < max) return { used, max, windowMs, allowed: true };
  // the (used - max + 1)-th oldest must leave before one more fits
  const leaving = inWindow[used - max];
  return { used, max, windowMs, allowed: false, ...(leaving !== undefined ? { nextAllowedAt: isoUtc(leaving + windowMs) } : {}) };
}

async function save(path: string, doc: RecoveryStateDoc): Promise<void> {
  doc.recoveries = doc.recoveries.slice(-KEEP_RECORDS);
  await writeFileAtomic(path, JSON.stringify(doc, null, 2) + '\n', { mode: 0o644, dirMode: 0o755 });
}

/** Record the start of a recovery (durably, before anything is deleted); returns the record to finish. */
export async function recordRecoveryStart(path: string, doc: RecoveryStateDoc, rec: Omit<RecoveryRecord, 'outcome' | 'error' | 'endedAt'>): Promise<RecoveryRecord> {
  const r: RecoveryRecord = { ...rec };
  doc.recoveries.push(r);
  await save(path, doc);
  return r;
}

/** Record how a recovery ended. */
export async function recordRecoveryEnd(path: string, doc: RecoveryStateDoc, rec: RecoveryRecord, outcome: 'recovered' | 'failed', endedAt: string, error?: string): Promise<void> {
  rec.outcome = outcome;
  rec.endedAt = endedAt;
  if (error !== undefined) rec.error = error;
  await save(path, doc);
}
