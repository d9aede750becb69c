// `luxops restore-snapshot`: stream a .tar/.tar.gz data-dir snapshot into --data-dir, safely.
import { defineCommand } from '../core/command.js';
import { UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { restoreSnapshotOptions } from './restore-options.js';
import { runRestoreSnapshot, restoreMarkerPath } from './restore-job.js';
import { redactUrl } from '../core/redact-url.js';

/** The restore-snapshot command. */
export const restoreSnapshotCommand = defineCommand({
  name: 'restore-snapshot',
  summary: 'Stream a .tar/.tar.gz snapshot into the data dir (resumable, parallel ranges, safe extraction, sha256, marker)',
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
    if (!/\.(tar|tar\.gz|tgz)$/.test(new URL(config.url).pathname)) {
      throw new UsageError(`invalid value for --url: ${JSON.stringify(redactUrl(config.url))}, expected a .tar, .tar.gz or .tgz archive`, 'E_BAD_OPTION');
    }
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
