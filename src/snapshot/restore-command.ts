// `luxops restore-snapshot`: stream a .tar/.tar.gz/.tar.zst data-dir snapshot into --data-dir, safely.
import { defineCommand } from '../core/command.js';
import { UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { restoreSnapshotOptions } from './restore-options.js';
import { formatOfName, hasZstd, zstdUnavailable } from './compress.js';
import { runRestoreSnapshot, restoreMarkerPath } from './restore-job.js';
import { redactUrl } from '../core/redact-url.js';

/** The restore-snapshot command. */
export const restoreSnapshotCommand = defineCommand({
  name: 'restore-snapshot',
  summary: 'Stream a .tar/.tar.gz/.tar.zst snapshot into the data dir (resumable, parallel ranges, safe extraction, sha256, marker)',
  usage: '--url URL --data-dir DIR [flags]',
  options: restoreSnapshotOptions,
  helpExtra: [
    'Example:',
    '  luxops restore-snapshot --url https://snapshots.example/lux-mainnet.tar.gz --data-dir /data --strip-components 1',
    '  luxops restore-snapshot --url s3://snapshots/lux-mainnet.tar.gz --checksums-url s3://snapshots/SHA256SUMS --data-dir /data',
    '',
    'A dropped or stalled connection resumes with Range in the same run; a changed object or a server that',
    'ignores Range restarts from byte 0. Progress: a JSON line every --progress-interval (bytes, totalBytes,',
    'rateBps, etaS, entries). Nothing reaches the data dir before the whole archive was read and checked.',
    '',
    'Exit codes: 0 restored or skipped (marker exists), 1 failure (download, checksum, unsafe, corrupt or empty archive), 2 usage.',
  ].join('\n'),
  validate({ config }) {
    if (config.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(config.sha256)) {
      throw new UsageError(`invalid value for --sha256: ${JSON.stringify(config.sha256)}, expected 64 hex digits`, 'E_BAD_OPTION');
    }
    const format = formatOfName(config.url.startsWith('s3://') ? config.url : new URL(config.url).pathname);
    if (format === undefined) {
      throw new UsageError(`invalid value for --url: ${JSON.stringify(redactUrl(config.url))}, expected a .tar, .tar.gz, .tgz, .tar.zst or .tzst archive`, 'E_BAD_OPTION');
    }
    if (format === 'tar.zst' && !hasZstd()) throw new UsageError(zstdUnavailable('a .tar.zst --url'), 'E_ZSTD_UNAVAILABLE');
  },
  describe({ config }) {
    return { marker: restoreMarkerPath(config) };
  },
  async run({ config, deps, log, env }) {
    const r = await runRestoreSnapshot(config, { log, signal: deps.signal, env });
    if (r.status === 'skipped') log.info({ reason: r.reason }, 'skipped');
    return EXIT.OK;
  },
});
