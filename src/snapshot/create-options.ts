// snapshot-create's option table.
import type { OptionDef, ConfigOf } from '../core/options.js';

export const snapshotCreateOptions = [
  { name: 'data-dir', type: 'string', required: true, metavar: 'DIR', help: "the node's data dir (a stopped node's, or a clone of its volume)" },
  { name: 'include', type: 'list', metavar: 'PATH', help: 'paths inside --data-dir to put in the archive (repeatable; default: all of it)' },
  { name: 'exclude', type: 'list', metavar: 'PATH', help: 'paths inside --data-dir to leave out (repeatable)' },
  { name: 'include-keys', type: 'bool', help: 'keep staking/ and *.key files (left out by default: a restored copy must not carry this validator\'s identity)' },
  { name: 'to', type: 'url', schemes: ['http', 'https', 's3'], required: true, help: 'where to write: s3://bucket/key.tar.zst or an http(s) URL taking a PUT; <to>.sha256 is written next to it' },
  { name: 'format', type: 'enum', choices: ['auto', 'tar.gz', 'tar.zst'], default: 'auto', help: 'compression; auto = from the name in --to (.tar.gz/.tgz, .tar.zst/.tzst)' },
  { name: 'level', type: 'int', min: 1, max: 19, help: 'compression level (default: 6 for gzip, 3 for zstd; gzip stops at 9)' },
  { name: 'allow-live', type: 'bool', help: 'copy even while a luxd uses the data dir (the copy is not a consistent snapshot)' },
  { name: 's3-endpoint', type: 'url', help: 'S3-compatible endpoint for s3:// targets' },
  { name: 's3-region', type: 'string', default: 'us-east-1', help: 'region for s3:// targets' },
  { name: 'part-size', type: 'size', default: '64MiB', min: 5 * 1024 * 1024, max: 5 * 1024 * 1024 * 1024, help: 'S3 multipart part size (raised when the data would need more than 9000 parts)' },
  { name: 'upload-concurrency', type: 'int', default: '4', min: 1, max: 32, help: 'S3 parts in flight (memory: parts x part size)' },
] as const satisfies readonly OptionDef[];

export type SnapshotCreateConfig = ConfigOf<typeof snapshotCreateOptions>;
