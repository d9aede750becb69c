// `luxops rlp-import`: fetch a (multi-part) C-chain RLP export, assemble it in place, verify and
// validate it, and import it with admin_importChain. The job itself lives in import-job.ts.
import { defineCommand } from '../core/command.js';
import { UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { rlpImportOptions, unverifiedWarning } from './options.js';
import { runRlpImport, jobPaths } from './import-job.js';
import { partName } from './plan-parts.js';

/** The rlp-import command. */
export const rlpImportCommand = defineCommand({
  name: 'rlp-import',
  summary: 'download a multi-part C-chain RLP export (resumable, verified) and import it into luxd',
  usage: '--base-url URL --file NAME [--parts aa,ab,...|auto] [flags]',
  options: rlpImportOptions,
  helpExtra: [
    'Examples:',
    '  luxops rlp-import --base-url https://exports.example/lux --file lux-mainnet-96369.rlp --parts auto',
    '  luxops rlp-import --base-url s3://bucket/exports --file lux.rlp.gz --download-only --dest-dir /data/import',
    '',
    'Exit codes: 0 imported or skipped (marker, height >= --min-height), 1 failure, 2 usage.',
  ].join('\n'),
  validate({ config }) {
    if (config.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(config.sha256)) {
      throw new UsageError(`invalid value for --sha256: ${JSON.stringify(config.sha256)}, expected 64 hex digits`, 'E_BAD_OPTION');
    }
    if (config.file.includes('/') || config.file === '.' || config.file === '..') {
      throw new UsageError(`invalid value for --file: ${JSON.stringify(config.file)}, expected a file name without '/'`, 'E_BAD_OPTION');
    }
    if (config.parts.includes('auto') && config.parts.length > 1) {
      throw new UsageError('invalid value for --parts: "auto" cannot be combined with a list', 'E_BAD_OPTION');
    }
    if (config.parts.length > 0 && !config.partNameTemplate.includes('{part}')) {
      throw new UsageError(`invalid value for --part-name-template: ${JSON.stringify(config.partNameTemplate)}, expected a {part} placeholder`, 'E_BAD_OPTION');
    }
    if (config.baseUrl.startsWith('s3://') && !/^s3:\/\/[^/]+/.test(config.baseUrl)) {
      throw new UsageError(`invalid value for --base-url: ${JSON.stringify(config.baseUrl)}, expected s3://bucket/prefix`, 'E_BAD_OPTION');
    }
  },
  describe({ config }) {
    const paths = jobPaths(config);
    const first = config.parts.length === 0 ? config.file : partName(config.partNameTemplate, config.file, config.parts[0] === 'auto' ? 'aa' : config.parts[0]!);
    return { output: paths.output, nodePath: paths.nodePath, marker: paths.marker, firstObject: `${config.baseUrl}/${first}` };
  },
  async run({ config, deps, log, env }) {
    const unverified = unverifiedWarning(config);
    if (unverified) log.warn({ code: 'W_UNVERIFIED_SOURCE' }, unverified);
    const r = await runRlpImport(config, { log, signal: deps.signal }, { env });
    if (r.status === 'skipped') log.info({ reason: r.reason, height: r.heightBefore }, 'skipped');
    return EXIT.OK;
  },
});
