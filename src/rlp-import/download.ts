// Assemble the export in place: check free space, preallocate the output, fetch parts concurrently
// at their own offsets (or one after another when sizes are unknown), keep the resume state current,
// log progress every 5 s, and verify the contiguous prefix while later parts still download.
import { open, statfs, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { LuxopsError } from '../core/errors.js';
import { SIGNAL_MAX_LISTENERS } from '../core/shutdown.js';
import { fetchPart } from './fetch-part.js';
import { mapLimit } from './plan-parts.js';
import type { PartPlan } from './plan-parts.js';
import type { ObjectSource } from '../objects/types.js';
import { freshState, loadState, saveState, statePathFor } from './resume-state.js';
import { readBootId } from '../core/boot-id.js';
import type { ResumeState } from './resume-state.js';
import { PrefixVerifier } from './prefix-verifier.js';
import type { PartSpan, VerifyResult } from './prefix-verifier.js';

export interface DownloadOptions {
  readonly source: ObjectSource;
  readonly plans: readonly PartPlan[];
  readonly file: string;
  readonly outputPath: string;
  readonly concurrency: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  /** silence on a part's connection before the attempt counts as stalled */
  readonly stallTimeoutMs?: number;
  readonly scan: boolean;
  readonly hashWhole: boolean;
  readonly hashParts: ReadonlySet<number>;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly progressIntervalMs?: number;
  /** how often the resume state is saved (a pod kill loses at most this much work) */
  readonly stateIntervalMs?: number;
  /** how often the output's data is fdatasync'ed (a node reboot loses at most this much work) */
  readonly dataSyncIntervalMs?: number;
  /** the kernel boot id; default: read from /proc (see resume-state.ts) */
  readonly bootId?: () => Promise<string | undefined>;
  readonly onProgress?: (bytes: number, totalBytes: number | undefined) => void;
  /** free bytes on a filesystem (tests inject a small disk) */
  readonly freeBytes?: (dir: string) => Promise<number>;
  readonly now?: () => number;
}

export interface DownloadResult extends VerifyResult {
  readonly bytes: number;
  readonly fetchedBytes: number;
  readonly resumedBytes: number;
  readonly statePath: string;
  readonly spans: readonly PartSpan[];
  readonly state: ResumeState;
  readonly durationMs: number;
}

async function defaultFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Fetch every part into `outputPath` and verify it; resumes from the state file when it matches. */
export async function downloadExport(o: DownloadOptions): Promise<DownloadResult> {
  const now = o.now ?? Date.now;
  const started = now();
  const statePath = statePathFor(o.outputPath);
  const outputExists = await stat(o.outputPath).then(() => true, () => false);
  const bootId = await (o.bootId ?? readBootId)();
  const loaded = outputExists ? await loadState(statePath, o.file, o.plans, bootId) : undefined;
  const state = loaded?.state ?? freshState(o.file, o.plans, bootId);
  if (loaded && loaded.distrustedBytes > 0) {
    o.log.warn({ bytes: loaded.distrustedBytes, statePath }, 'the node rebooted since these bytes were written and they were never synced to disk; fetching them again');
  }
  const parts = state.parts;
  const known = o.plans.every((p) => p.size !== undefined);
  const doneBytes = () => parts.reduce((a, p) => a + p.done, 0);
  const resumedBytes = doneBytes();
  const total = known ? o.plans.reduce((a, p) => a + p.size!, 0) : undefined;

  const spans: PartSpan[] = [];
  let off: number | undefined = 0;
  for (const p of parts) {
    spans.push({ name: p.name, offset: off, size: p.complete || p.size !== undefined ? p.size : undefined });
    off = off !== undefined && p.size !== undefined ? off + p.size : undefined;
  }

  const dir = dirname(o.outputPath);
  const needed = parts.reduce((a, p) => a + (p.size !== undefined ? p.size - p.done : 0), 0);
  const available = await (o.freeBytes ?? defaultFreeBytes)(dir);
  if (needed > available) {
    throw new LuxopsError('E_NO_SPACE', `not enough free space in ${dir} (--dest-dir): need ${needed} bytes, available ${available}`, { details: { neededBytes: needed, availableBytes: available } });
  }
  if (resumedBytes > 0) o.log.info({ bytes: resumedBytes, totalBytes: total, statePath }, 'resuming download');

  const fh = await open(o.outputPath, outputExists ? 'r+' : 'w+', 0o644);
  const ac = new AbortController();
  const signal = AbortSignal.any([o.signal, ac.signal]);
  // one listener per part attempt and per retry loop: see SIGNAL_MAX_LISTENERS
  setMaxListeners(SIGNAL_MAX_LISTENERS, signal);
  const verifier = new PrefixVerifier({ fh, spans, scan: o.scan, gzip: o.file.endsWith('.gz'), hashWhole: o.hashWhole, hashParts: o.hashParts });
  verifier.onFailure = (e) => ac.abort(e);

  let dirty = false;
  let saving: Promise<void> = Promise.resolve();
  // Save what was written; with `sync`, fdatasync the output first and record it as on disk.
  // Every claim is a write that already returned (pwrite is synchronous here), so it survives a
  // killed process; only a reboot can lose it, and then loadState falls back to `synced`. Without
  // a boot id to tell reboots apart, every save syncs first.
  const persist = (sync: boolean) => (saving = saving.then(async () => {
    const mustSync = sync || bootId === undefined;
    if (!dirty && !(mustSync && parts.some((p) => p.synced < p.done))) return;
    dirty = false;
    // snapshot first: writes completing during the sync must not be claimed as synced
    const snapshot = JSON.parse(JSON.stringify(state)) as ResumeState;
    if (mustSync) {
      await fh.datasync();
      snapshot.parts.forEach((s, i) => {
        s.synced = s.done;
        // a part restarted meanwhile (server ignored Range) rewrote the same bytes from 0
        const cur = parts[i]!;
        cur.synced = Math.max(cur.synced, Math.min(s.done, cur.done));
      });
    }
    await saveState(statePath, snapshot);
  }));
  const frontier = () => {
    let f = 0;
    for (const p of parts) {
      f += p.done;
      if (!p.complete) break;
    }
    return f;
  };
  let lastLog = { t: started, bytes: resumedBytes };
  const progress = setInterval(() => {
    const t = now();
    const bytes = doneBytes();
    const rateBps = Math.round(((bytes - lastLog.bytes) * 1000) / Math.max(1, t - lastLog.t));
    lastLog = { t, bytes };
    const etaS = total !== undefined && rateBps > 0 ? Math.round((total - bytes) / rateBps) : undefined;
    o.log.info({ bytes, totalBytes: total, rateBps, etaS, partsDone: parts.filter((p) => p.complete).length, parts: parts.length }, 'downloading');
  }, o.progressIntervalMs ?? 5000);
  const saver = setInterval(() => void persist(false).catch(() => undefined), o.stateIntervalMs ?? 500);
  const syncer = setInterval(() => void persist(true).catch(() => undefined), o.dataSyncIntervalMs ?? 10_000);

  try {
    if (total !== undefined && (await fh.stat()).size !== total) await fh.truncate(total);
    dirty = true;
    await persist(false);
    verifier.advance(frontier());
    const run = async (i: number) => {
      const p = parts[i]!;
      if (p.complete) return;
      if (spans[i]!.offset === undefined) {
        // unknown sizes: every earlier part is complete by now (sequential mode)
        spans[i]!.offset = parts.slice(0, i).reduce((a, q) => a + q.size!, 0);
      }
      await fetchPart({
        source: o.source, progress: p, fh, offset: spans[i]!.offset!, retries: o.retries, retryDelayMs: o.retryDelayMs, stallTimeoutMs: o.stallTimeoutMs, signal, log: o.log,
        onBytes: (_delta, slice, at) => {
          dirty = true;
          // bytes that extend the checked prefix are checked from memory, not read back
          if (slice) verifier.live(at!, slice);
          o.onProgress?.(doneBytes(), total);
          verifier.advance(frontier());
        },
      });
      spans[i]!.size = p.size;
      dirty = true;
      verifier.advance(frontier());
    };
    await mapLimit(parts.map((_, i) => i), known ? o.concurrency : 1, run);
    const bytes = doneBytes();
    if (total === undefined) await fh.truncate(bytes);
    await persist(false);
    const verified = await verifier.finish(bytes);
    return { ...verified, bytes, fetchedBytes: bytes - resumedBytes, resumedBytes, statePath, spans, state, durationMs: now() - started };
  } catch (e) {
    // a scan failure aborted the download: report it rather than the abort it caused
    if (ac.signal.aborted && !o.signal.aborted) throw ac.signal.reason;
    throw e;
  } finally {
    clearInterval(progress);
    clearInterval(saver);
    clearInterval(syncer);
    await persist(false).catch(() => undefined);
    await fh.close();
  }
}
