// restore-snapshot's option table (its own flags; shares only the S3 flags' meaning with rlp-import).
import type { OptionDef, ConfigOf } from '../core/options.js';

export const restoreSnapshotOptions = [
  { name: 'url', type: 'url', schemes: ['http', 'https', 's3'], required: true, help: 'the archive: http(s)://... or s3://bucket/key (.tar, .tar.gz, .tgz, .tar.zst, .tzst)' },
  { name: 'data-dir', type: 'string', required: true, metavar: 'DIR', help: 'directory the archive is restored into' },
  { name: 'sha256', type: 'string', metavar: 'HEX', help: 'expected sha256 of the archive as downloaded' },
  { name: 'marker', type: 'string', metavar: 'PATH', help: 'done-marker; the restore is skipped when it exists (default <data-dir>/.restore-snapshot.done)' },
  { name: 'strip-components', type: 'int', default: '0', min: 0, max: 64, help: 'drop this many leading path components of every entry' },
  { name: 's3-endpoint', type: 'url', help: 'S3-compatible endpoint for s3:// URLs' },
  { name: 's3-region', type: 'string', default: 'us-east-1', help: 'region for s3:// URLs' },
  { name: 'retries', type: 'int', default: '3', min: 0, max: 100, help: 'retries of the archive request before any byte arrived' },
] as const satisfies readonly OptionDef[];

export type RestoreSnapshotConfig = ConfigOf<typeof restoreSnapshotOptions>;
