// The whole rlp-import job, callable in-process (`startup --rlp-*` runs it too): skip checks
// (marker, chain height), download + verify + validate, admin_importChain, marker, cleanup.
import { join } from 'node:path';
import { access, unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import { LuxopsError } from '../core/errors.js';
import { writeFileAtomic, ensureDir } from '../core/files.js';
import type { RlpImportConfig } from './options.js';
import { sourceFor, splitObjectUrl } from '../objects/object-source.js';
import type { ObjectSource } from '../objects/types.js';
import { planParts } from './plan-parts.js';
import type { PartPlan } from './plan-parts.js';
import { downloadExport } from './download.js';
import type { DownloadResult } from './download.js';
import { ValidationFailure } from './prefix-verifier.js';
import { compareDigests, expectedDigests } from './checksums.js';
import { fetchChecksums, parseSha256Sums } from '../objects/checksums.js';
import type { Expected } from './checksums.js';
import { removeState, resetParts, statePathFor } from './resume-state.js';
import { connectChain, importChain, readHeight } from './chain-import.js';

/** Progress reports for an embedding command (startup's readiness/metrics). */
export interface RlpImportProgress {
  phase: string;
  bytes?: number;
  totalBytes?: number;
  height?: number;
  lastBlock?: number;
}

export interface RlpImportContext {
  log: Logger;
  signal: AbortSignal;
  onProgress?: (p: RlpImportProgress) => void;
}

export interface RlpImportResult {
  status: 'imported' | 'skipped';
  reason?: string;
  heightBefore?: number;
  heightAfter?: number;
}

/** Test seams; production callers pass nothing. */
export interface RlpImportInternals {
  env?: Readonly<Record<string, string | undefined>>;
  freeBytes?: (dir: string) => Promise<number>;
  now?: () => number;
  progressIntervalMs?: number;
  /** the kernel boot id (tests simulate a reboot); default: read from /proc */
  bootId?: () => Promise<string | undefined>;
  /** how often the output's data is fdatasync'ed during the download */
  dataSyncIntervalMs?: number;
}

/** Paths the job reads and writes, derived from the config. */
export function jobPaths(config: RlpImportConfig): { output: string; nodePath: string; marker: string } {
  const output = join(config.destDir, config.file);
  return { output, nodePath: config.nodePath ?? output, marker: config.marker ?? join(config.destDir, '.rlp-import.done') };
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** Run the import job. Resolves `skipped` when already done; throws LuxopsError on failure. */
export async function runRlpImport(config: RlpImportConfig, ctx: RlpImportContext, internals: RlpImportInternals = {}): Promise<RlpImportResult> {
  const { log, signal } = ctx;
  const now = internals.now ?? Date.now;
  const started = now();
  const deadline = started + config.timeout;
  const paths = jobPaths(config);
  const report = (p: RlpImportProgress) => ctx.onProgress?.(p);

  report({ phase: 'check' });
  if (await exists(paths.marker)) {
    log.info({ marker: paths.marker }, 'marker exists; nothing to do');
    return { status: 'skipped', reason: `marker ${paths.marker} exists` };
  }
  let heightBefore: number | undefined;
  let client: Awaited<ReturnType<typeof connectChain>> | undefined;
  if (!config.downloadOnly) {
    client = await connectChain({ apiUrl: config.apiUrl, apiPrefix: config.apiPrefix as 'auto', chain: config.chain, waitHealthy: config.waitHealthy, healthTimeoutMs: config.healthTimeout }, log, signal);
    heightBefore = await readHeight(client, signal);
    if (config.minHeight > 0 && heightBefore >= config.minHeight) {
      log.info({ chain: config.chain, height: heightBefore, minHeight: config.minHeight }, 'chain height already >= --min-height; skipping the import');
      return { status: 'skipped', reason: `chain height ${heightBefore} >= --min-height ${config.minHeight}`, heightBefore };
    }
  }

  await ensureDir(config.destDir, 0o755);
  const env = internals.env ?? {};
  const source = sourceFor(config.baseUrl, { s3Endpoint: config.s3Endpoint, s3Region: config.s3Region, env, log });
  let dl: DownloadResult;
  let plans: PartPlan[];
  let expected: Expected;
  try {
    report({ phase: 'plan' });
    plans = await planParts(source, { file: config.file, parts: config.parts, template: config.partNameTemplate, retries: config.retries, retryDelayMs: config.retryDelay, signal });
    expected = await loadExpected(config, plans, source, env, signal);
    const total = plans.every((p) => p.size !== undefined) ? plans.reduce((a, p) => a + p.size!, 0) : undefined;
    log.info({ parts: plans.length, totalBytes: total, output: paths.output }, 'downloading');
    // Bytes that fail the scan or a digest are never trusted again: the parts that hold them are
    // reset in the resume state (a rerun fetches them anew) and fetched again in this run, first the
    // part the failure points at, then every part up to it (a damaged length prefix shows up later
    // than the byte that is wrong). A source that keeps serving bad bytes ends with the error.
    for (let round = 0; ; round++) {
      try {
        dl = await downloadExport({
          source, plans, file: config.file, outputPath: paths.output, concurrency: config.concurrency, retries: config.retries, retryDelayMs: config.retryDelay, stallTimeoutMs: config.stallTimeout,
          scan: !config.noValidate, hashWhole: !config.downloadOnly || expected.whole !== undefined, hashParts: new Set(expected.parts.keys()),
          log, signal, freeBytes: internals.freeBytes, now, progressIntervalMs: internals.progressIntervalMs, bootId: internals.bootId, dataSyncIntervalMs: internals.dataSyncIntervalMs,
          onProgress: (bytes, totalBytes) => report({ phase: 'download', bytes, ...(totalBytes !== undefined ? { totalBytes } : {}) }),
        });
        report({ phase: 'verify', bytes: dl.bytes, totalBytes: dl.bytes });
        compareDigests(config.file, plans, expected, dl);
        break;
      } catch (e) {
        const bad = suspectParts(e, plans, round);
        if (bad === undefined || signal.aborted) throw e instanceof ValidationFailure ? invalidRlp(e) : e;
        await resetParts(statePathFor(paths.output), bad.parts);
        const names = bad.parts.map((i) => plans[i]!.name);
        if (bad.exhausted) {
          const why = e instanceof ValidationFailure ? invalidRlp(e) : (e as LuxopsError);
          throw new LuxopsError(why.code, `${why.message} (still failing after fetching the bytes again ${round} time${round === 1 ? '' : 's'}: the source serves bad data; the next run fetches ${names.join(', ')} again)`, { cause: e, details: { ...why.details, refetchParts: names } });
        }
        log.warn({ parts: names, round: round + 1, err: e instanceof ValidationFailure ? invalidRlp(e).message : (e as Error).message }, 'downloaded bytes failed verification; fetching those parts again');
      }
    }
  } finally {
    await source.close();
  }
  const scan = dl.scan;
  const verified = [...(expected.whole !== undefined || expected.parts.size > 0 ? ['sha256'] : []), ...(scan ? ['rlp-structure'] : [])];
  log.info({ bytes: dl.bytes, fetchedBytes: dl.fetchedBytes, resumedBytes: dl.resumedBytes, durationMs: dl.durationMs, sha256: dl.sha256, blocks: scan?.blocks, firstBlock: scan?.firstBlock, lastBlock: scan?.lastBlock, verified }, 'download complete');

  if (config.downloadOnly || !client || heightBefore === undefined) {
    return { status: 'skipped', reason: `download only: ${paths.output} is complete` };
  }
  report({ phase: 'import', height: heightBefore, ...(scan?.lastBlock !== undefined ? { lastBlock: scan.lastBlock } : {}) });
  const importStarted = now();
  const heightAfter = await importChain({
    client, nodePath: paths.nodePath, lastBlock: scan?.lastBlock, heightBefore, deadline, rpcTimeoutMs: config.rpcTimeout, pollMs: config.pollInterval, log, signal, now,
    onHeight: (height) => report({ phase: 'import', height, ...(scan?.lastBlock !== undefined ? { lastBlock: scan.lastBlock } : {}) }),
  });
  const marker = {
    file: config.file, sha256: dl.sha256, bytes: dl.bytes, blocks: scan?.blocks, firstBlock: scan?.firstBlock, lastBlock: scan?.lastBlock,
    heightBefore, heightAfter, durationMs: now() - started, importDurationMs: now() - importStarted, completedAt: new Date(now()).toISOString(),
  };
  await writeFileAtomic(paths.marker, JSON.stringify(marker, null, 2) + '\n', { mode: 0o644, dirMode: 0o755 });
  if (!config.keepFile) {
    await unlink(paths.output).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
    await removeState(dl.statePath);
  }
  report({ phase: 'done', height: heightAfter });
  log.info({ heightBefore, heightAfter, marker: paths.marker, keptFile: config.keepFile }, 'import complete');
  return { status: 'imported', heightBefore, heightAfter };
}

async function loadExpected(config: RlpImportConfig, plans: PartPlan[], source: ObjectSource, env: Readonly<Record<string, string | undefined>>, signal: AbortSignal): Promise<Expected> {
  if (config.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(config.sha256)) {
    throw new LuxopsError('E_BAD_OPTION', `invalid value for --sha256: expected 64 hex digits`, { exitCode: 2 });
  }
  let sums: Map<string, string> | undefined;
  if (config.checksumsUrl) {
    const { base, name } = splitObjectUrl(config.checksumsUrl);
    const sumsSource = base === config.baseUrl ? source : sourceFor(base, { s3Endpoint: config.s3Endpoint, s3Region: config.s3Region, env });
    try {
      sums = parseSha256Sums(await fetchChecksums(sumsSource, name, signal));
    } finally {
      if (sumsSource !== source) await sumsSource.close();
    }
  }
  return expectedDigests(config.file, plans, config.sha256, sums, config.checksumsUrl);
}

/**
 * The parts whose bytes a failed check condemns, or undefined when `e` is not about the bytes.
 * A part digest names its part and a whole-file digest condemns every part: one more fetch each.
 * A scan failure points at a part, and then at every part up to it (a damaged length prefix is
 * only noticed later): two more fetches. `exhausted`: no further round, report the failure.
 */
function suspectParts(e: unknown, plans: readonly PartPlan[], round: number): { parts: number[]; exhausted: boolean } | undefined {
  const all = plans.map((_, i) => i);
  if (e instanceof ValidationFailure) {
    const at = plans.findIndex((p) => p.name === e.part);
    if (at === -1) return { parts: all, exhausted: round >= 1 };
    return { parts: round === 0 ? [at] : all.slice(0, at + 1), exhausted: round >= 2 };
  }
  if (e instanceof LuxopsError && e.code === 'E_CHECKSUM_MISMATCH') {
    const i = e.details?.partIndex as number | undefined;
    return { parts: i !== undefined ? [i] : all, exhausted: round >= 1 };
  }
  return undefined;
}

function invalidRlp(f: ValidationFailure): LuxopsError {
  const where = f.compressedOffset !== undefined
    ? `${f.offset >= 0 ? `uncompressed byte offset ${f.offset}, ` : ''}compressed input near byte ${f.compressedOffset}${f.part ? ` (part ${f.part})` : ''}`
    : `byte offset ${f.offset}${f.part ? ` (part ${f.part})` : ''}`;
  return new LuxopsError('E_RLP_INVALID', `invalid RLP export at ${where}: ${f.reason}; nothing was imported`, { details: { offset: f.offset, part: f.part } });
}
