// The one seam between startup and rlp-import: run the import job in-process with startup's
// config under the `rlp-` prefix, so its signature is wired in exactly one place. The job is
// loaded on first use: it pulls in the S3 client, and every pod start pays for module loading
// before luxd is spawned, while only pods that import ever need it.
import type { Logger } from 'pino';
import type { RlpImportProgress, RlpImportResult } from '../rlp-import/import-job.js';
import { unverifiedWarning, type RlpImportConfig } from '../rlp-import/options.js';

/** Progress the import reports (phase: check, download, verify, import...). */
export type RlpProgress = RlpImportProgress;
/** How the import ended when it did not throw. */
export type RlpOutcome = RlpImportResult;

/** Run the import; throws LuxopsError on failure, the abort reason on shutdown. */
export async function runRlpTask(config: RlpImportConfig, ctx: { log: Logger; signal: AbortSignal; onProgress?: (p: RlpProgress) => void }): Promise<RlpOutcome> {
  const unverified = unverifiedWarning(config, 'rlp-');
  if (unverified) ctx.log.warn({ code: 'W_UNVERIFIED_SOURCE' }, unverified);
  const { runRlpImport } = await import('../rlp-import/import-job.js');
  return runRlpImport(config, ctx);
}
