// key-uploader's option table: the downloaders' S3/KMS flags, plus the local files to seal. The
// S3 key flags keep the downloaders' names so one set of values serves both directions.
import type { OptionDef, ConfigOf } from '../core/options.js';
import { AWS_ENVELOPE_OPTIONS } from '../core/aws-options.js';

export const keyUploaderOptions = [
  ...AWS_ENVELOPE_OPTIONS,
  { name: 'tls-key-path', type: 'string', metavar: 'PATH', help: 'local TLS staking key (PEM) to upload; needs --tls-cert-path' },
  { name: 'tls-cert-path', type: 'string', metavar: 'PATH', help: 'local TLS staking certificate (PEM) to upload; needs --tls-key-path' },
  { name: 's3-key-tls-key', type: 'string', metavar: 'KEY', help: 'S3 key for the sealed TLS key; {ordinal} and {hostname} expand from $HOSTNAME' },
  { name: 's3-key-tls-cert', type: 'string', metavar: 'KEY', help: 'S3 key for the sealed TLS certificate' },
  { name: 'signer-key-path', type: 'string', metavar: 'PATH', help: 'local BLS signer key (raw 32 bytes) to upload' },
  { name: 's3-key-signer', type: 'string', metavar: 'KEY', help: 'S3 key for the sealed BLS signer key' },
] as const satisfies readonly OptionDef[];

export type KeyUploaderConfig = ConfigOf<typeof keyUploaderOptions>;
