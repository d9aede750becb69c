// Flags every S3 + KMS envelope command shares (key-downloader, signer-downloader, key-uploader).
// Names follow avalanche-ops' downloaders so existing pod specs keep working; each command puts this
// fragment into its own option table, which stays the single source of its flags and env twins.
// --kms-key-id and --aad-tag are `requiredUnless: 'plaintext'`: missing ones are reported with the
// other missing flags, in one error.
import type { OptionDef } from './options.js';

export const AWS_ENVELOPE_OPTIONS = [
  { name: 's3-region', type: 'string', required: true, metavar: 'REGION', help: 'region of the S3 bucket' },
  { name: 's3-bucket', type: 'string', required: true, metavar: 'BUCKET', help: 'S3 bucket holding the objects' },
  { name: 's3-endpoint', type: 'url', help: 'S3-compatible endpoint (path-style requests), e.g. MinIO' },
  { name: 'kms-region', type: 'string', metavar: 'REGION', help: 'region of the KMS key (default: --s3-region)' },
  { name: 'kms-key-id', type: 'string', metavar: 'KEY', requiredUnless: 'plaintext', help: 'KMS key id, ARN or alias that wraps the data keys (required unless --plaintext)' },
  { name: 'kms-endpoint', type: 'url', help: 'KMS-compatible endpoint' },
  { name: 'aad-tag', type: 'string', metavar: 'TAG', requiredUnless: 'plaintext', help: 'AES-GCM additional authenticated data, as given to avalanche-ops (required unless --plaintext)' },
  { name: 'profile-name', type: 'string', metavar: 'NAME', help: 'AWS shared-config profile (after env credentials in the default chain)' },
  { name: 'plaintext', type: 'bool', help: 'objects are not envelope-encrypted (stores with server-side encryption); no KMS call' },
  { name: 'overwrite', type: 'bool', help: 'replace existing files that hold a different key' },
  { name: 'retries', type: 'int', default: '5', min: 0, max: 20, help: 'retries of a throttled, failed (5xx) or timed-out S3/KMS call' },
  { name: 'retry-max-time', type: 'duration', default: '60s', min: 0, help: 'no new retry starts after this much time' },
  { name: 'request-timeout', type: 'duration', default: '30s', min: 100, help: 'timeout of one S3/KMS request' },
] as const satisfies readonly OptionDef[];

/** The parsed values of the shared fragment. */
export interface AwsEnvelopeConfig {
  readonly s3Region: string;
  readonly s3Bucket: string;
  readonly s3Endpoint: string | undefined;
  readonly kmsRegion: string | undefined;
  readonly kmsKeyId: string | undefined;
  readonly kmsEndpoint: string | undefined;
  readonly aadTag: string | undefined;
  readonly profileName: string | undefined;
  readonly plaintext: boolean;
  readonly overwrite: boolean;
  readonly retries: number;
  readonly retryMaxTime: number;
  readonly requestTimeout: number;
}
