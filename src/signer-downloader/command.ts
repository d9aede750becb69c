// signer-downloader: fetch a validator's BLS signer key from S3 (KMS envelope as avalanche-ops seals
// it), check it is a valid BLS12-381 scalar, derive the public key and proof of possession, and put
// the key where luxd reads it — idempotently, since init containers rerun.
import { timingSafeEqual } from 'node:crypto';
import { defineCommand } from '../core/command.js';
import { LuxopsError, UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { expandKeyTemplate } from '../core/key-template.js';
import { createEnvelopeContext, destroyEnvelopeContext, fetchPlaintext } from '../core/sealed-object.js';
import { planIdentityWrite, applyWritePlan, assertDistinctPaths } from '../core/identity-files.js';
import type { IdentityFile } from '../core/identity-files.js';
import { deriveBlsKey, hex0x } from '../core/bls-key.js';
import { signerDownloaderOptions } from './options.js';

/** Normalise a public key given on the command line: lowercase, 0x-prefixed, 48 bytes. */
export function normalisePublicKeyHex(flag: string, value: string): string {
  const h = value.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{96}$/.test(h)) {
    throw new UsageError(`invalid value for --${flag}: ${JSON.stringify(value)}, expected 48 bytes of hex (96 hex digits, 0x optional)`, 'E_BAD_OPTION');
  }
  return `0x${h}`;
}

/** The --public-key-path document. */
export function publicKeyDocument(publicKey: string, proofOfPossession: string): string {
  return `${JSON.stringify({ publicKey, proofOfPossession })}\n`;
}

/** Fetch, verify and install the BLS signer key. */
export const signerDownloaderCommand = defineCommand({
  name: 'signer-downloader',
  summary: 'Download the BLS signer key from S3 (KMS envelope), verify it, derive public key + proof of possession, write it safely',
  options: signerDownloaderOptions,
  helpExtra: [
    'Example (StatefulSet init container, pod luxd-3):',
    '  luxops signer-downloader --s3-region us-west-2 --s3-bucket lux-keys --kms-key-id alias/lux-staking --aad-tag lux \\',
    '    --s3-key "mainnet/staking/{ordinal}/signer.key.zstd.encrypted" --key-path /data/staking/signer.key',
    'Exit codes: 0 written or already in place, 1 download/decrypt/verification failure, 2 usage error.',
  ].join('\n'),
  validate({ config: c }, env) {
    if (c.expectPublicKey !== undefined) normalisePublicKeyHex('expect-public-key', c.expectPublicKey);
    assertDistinctPaths([['key-path', c.keyPath], ['public-key-path', c.publicKeyPath]]);
    expandKeyTemplate(c.s3Key, 's3-key', env);
  },
  describe: ({ config: c }, env) => ({ s3Key: expandKeyTemplate(c.s3Key, 's3-key', env) }),
  async run({ config: c, env, deps, log }) {
    const key = expandKeyTemplate(c.s3Key, 's3-key', env);
    const ctx = createEnvelopeContext(c, env, log, deps.signal);
    let sk: Buffer;
    try {
      sk = await fetchPlaintext(ctx, key);
    } finally {
      destroyEnvelopeContext(ctx);
    }
    try {
      const info = deriveBlsKey(sk, `BLS signer key in s3://${c.s3Bucket}/${key}`);
      const publicKey = hex0x(info.publicKey);
      const proofOfPossession = hex0x(info.proofOfPossession);
      log.info({ publicKey, proofOfPossession }, 'verified BLS signer key');
      if (c.expectPublicKey !== undefined) {
        const expected = normalisePublicKeyHex('expect-public-key', c.expectPublicKey);
        if (expected !== publicKey) {
          throw new LuxopsError('E_PUBLIC_KEY_MISMATCH', `BLS public key mismatch: the key's public key is ${publicKey}, --expect-public-key is ${expected}; nothing written`, { details: { publicKey, expected } });
        }
      }
      const doc = publicKeyDocument(publicKey, proofOfPossession);
      const files: IdentityFile[] = [
        { label: 'BLS signer key', path: c.keyPath, data: sk, mode: 0o600, same: (b) => b.length === sk.length && timingSafeEqual(b, sk) },
      ];
      if (c.publicKeyPath) {
        files.push({ label: 'public key file', path: c.publicKeyPath, data: doc, mode: 0o644, derived: true, same: (b) => {
          const j = JSON.parse(b.toString('utf8')) as { publicKey?: unknown; proofOfPossession?: unknown };
          return j.publicKey === publicKey && j.proofOfPossession === proofOfPossession;
        } });
      }
      const plan = await planIdentityWrite(files);
      const wrote = await applyWritePlan(plan, { overwrite: c.overwrite, log, identity: `BLS public key ${publicKey}` });
      deps.stdout.write(doc);
      log.info({ publicKey, written: wrote }, wrote.length === 0 ? 'signer key already in place, nothing written' : 'signer key written');
      return EXIT.OK;
    } finally {
      sk.fill(0);
    }
  },
});
