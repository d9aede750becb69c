// restore-snapshot's option table (its own flags; shares only the S3 flags' meaning with rlp-import).
import type { OptionDef, ConfigOf } from '../core/options.js';

export const restoreSnapshotOptions = [
  { name: 'url', type: 'url', schemes: ['http', 'https', 's3'], required: true, help: 'the archive: http(s)://... or s3://bucket/key (.tar, .tar.gz, .tgz, .tar.zst, .tzst)' },
  { name: 'data-dir', type: 'string', required: true, metavar: 'DIR', help: 'directory the archive is restored into' },
  { name: 'sha256', type: 'string', metavar: 'HEX', help: 'expected sha256 of the archive as downloaded' },
  { name: 'checksums-url', type: 'url', schemes: ['http', 'https', 's3'], help: 'sha256sum-format file listing the archive (instead of --sha256)' },
  { name: 'marker', type: 'string', metavar: 'PATH', help: 'done-marker; the restore is skipped when it exists (default <data-dir>/.restore-snapshot.done)' },
  { name: 'strip-components', type: 'int', default: '0', min: 0, max: 64, help: 'drop this many leading path components of every entry' },
  { name: 'allow-empty', type: 'bool', help: 'accept an archive with no entries (by default an empty archive is an error, not a restore)' },
  { name: 'concurrency', type: 'int', default: '4', min: 1, max: 32, help: 'ranged connections fetching ahead (1: one stream); the archive is still extracted in order' },
  { name: 's3-endpoint', type: 'url', help: 'S3-compatible endpoint for s3:// URLs' },
  { name: 's3-region', type: 'string', default: 'us-east-1', help: 'region for s3:// URLs' },
  { name: 'retries', type: 'int', default: '8', min: 0, max: 100, help: 'failed attempts in a row (no byte gained) before giving up; every drop resumes with Range' },
  { name: 'retry-delay', type: 'duration', default: '1s', min: 0, max: 300_000, help: 'first pause before resuming (doubles per failure, capped at 30s)' },
  { name: 'stall-timeout', type: 'duration', default: '60s', min: 100, max: 3_600_000, help: 'a connection silent this long is dropped and resumed with Range' },
  { name: 'progress-interval', type: 'duration', default: '5s', min: 100, max: 3_600_000, help: 'how often a progress line is logged' },
] as const satisfies readonly OptionDef[];

export type RestoreSnapshotConfig = ConfigOf<typeof restoreSnapshotOptions>;
