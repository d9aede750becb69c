// key-downloader's option table: avalanche-ops `staking-key-cert-s3-downloader` flags plus
// endpoints, NodeID pinning, --overwrite and --plaintext.
import type { OptionDef, ConfigOf } from '../core/options.js';
import { AWS_ENVELOPE_OPTIONS } from '../core/aws-options.js';

export const keyDownloaderOptions = [
  ...AWS_ENVELOPE_OPTIONS,
  { name: 's3-key-tls-key', type: 'string', required: true, metavar: 'KEY', help: 'S3 key of the sealed TLS private key; {ordinal} and {hostname} expand from $HOSTNAME' },
  { name: 's3-key-tls-cert', type: 'string', required: true, metavar: 'KEY', help: 'S3 key of the sealed TLS certificate; same templates' },
  { name: 'tls-key-path', type: 'string', required: true, metavar: 'PATH', help: 'where luxd reads the staking key (written 0600)' },
  { name: 'tls-cert-path', type: 'string', required: true, metavar: 'PATH', help: 'where luxd reads the staking certificate (written 0644)' },
  { name: 'expect-node-id', type: 'string', metavar: 'NodeID-...', help: 'fail without writing when the certificate has another NodeID' },
  { name: 'node-id-path', type: 'string', metavar: 'PATH', help: 'also write the NodeID (no trailing newline) to this file' },
] as const satisfies readonly OptionDef[];

export type KeyDownloaderConfig = ConfigOf<typeof keyDownloaderOptions>;
