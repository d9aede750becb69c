// signer-downloader's option table: avalanche-ops `staking-signer-key-s3-downloader` flags plus
// endpoints, public-key pinning, --public-key-path, --overwrite and --plaintext.
import type { OptionDef, ConfigOf } from '../core/options.js';
import { AWS_ENVELOPE_OPTIONS } from '../core/aws-options.js';

export const signerDownloaderOptions = [
  ...AWS_ENVELOPE_OPTIONS,
  { name: 's3-key', type: 'string', required: true, metavar: 'KEY', help: 'S3 key of the sealed BLS signer key; {ordinal} and {hostname} expand from $HOSTNAME' },
  { name: 'key-path', type: 'string', required: true, metavar: 'PATH', help: 'where luxd reads the signer key (raw 32 bytes, written 0600)' },
  { name: 'expect-public-key', type: 'string', metavar: 'HEX', help: 'fail without writing when the key has another 48-byte BLS public key (hex, 0x optional)' },
  { name: 'public-key-path', type: 'string', metavar: 'PATH', help: 'also write {"publicKey":"0x..","proofOfPossession":"0x.."} to this file' },
] as const satisfies readonly OptionDef[];

export type SignerDownloaderConfig = ConfigOf<typeof signerDownloaderOptions>;
