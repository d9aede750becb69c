// `luxops snapshot-create`: stream a compressed tar of a stopped node's data dir to S3 or an HTTP
// PUT, with `<name>.sha256` next to it: the archives restore-snapshot restores.
import { defineCommand } from '../core/command.js';
import { UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { hasZstd, zstdUnavailable } from './compress.js';
import { snapshotCreateOptions } from './create-options.js';
import { resolveFormat, runSnapshotCreate } from './create-job.js';
import { checksumUrlOf, redactUrl } from './sink.js';

/** The snapshot-create command. */
export const snapshotCreateCommand = defineCommand({
  name: 'snapshot-create',
  summary: 'Stream a .tar.gz/.tar.zst of a stopped node\'s data dir to S3 or an HTTP PUT, with <name>.sha256 (what restore-snapshot restores)',
  usage: '--data-dir DIR --to s3://bucket/key.tar.zst|https://... [--include PATH]... [flags]',
  options: snapshotCreateOptions,
  helpExtra: [
    'Refuses while a luxd uses the data dir (a database lock under it, or a process started with',
    'it as --data-dir); staking/ and *.key files are left out unless --include-keys.',
    '',
    'Example:',
    '  luxops snapshot-create --data-dir /data --include chainData/network-1 --to s3://snapshots/lux-mainnet.tar.zst',
    '',
    'Exit codes: 0 uploaded (archive and .sha256), 1 failure (luxd running, upload, a file changed while read), 2 usage.',
  ].join('\n'),
  validate({ config }) {
    try {
      const format = resolveFormat(config.format, config.to);
      if (format === 'tar.zst' && !hasZstd()) throw new UsageError(zstdUnavailable('--format tar.zst'), 'E_ZSTD_UNAVAILABLE');
      if (format === 'tar.gz' && config.level !== undefined && config.level > 9) throw new UsageError(`invalid value for --level: ${config.level}, gzip levels are 1-9`, 'E_BAD_OPTION');
      if (config.to.startsWith('s3://') && !/^s3:\/\/[^/]+\/.+[^/]$/.test(config.to)) throw new UsageError(`invalid value for --to: ${config.to}, expected s3://bucket/key`, 'E_BAD_OPTION');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message, 'E_BAD_OPTION');
    }
  },
  describe({ config }) {
    return { format: resolveFormat(config.format, config.to), to: redactUrl(config.to), checksumTo: redactUrl(checksumUrlOf(config.to)) };
  },
  async run({ config, deps, log, env }) {
    await runSnapshotCreate(config, { log, signal: deps.signal, env, selfPid: deps.pid });
    return EXIT.OK;
  },
});
