// key-uploader: the reverse of the downloaders, so operators can create artifacts without the old
// Rust tool. Verifies the local key material first (key matches certificate, BLS scalar in range),
// then seals each file with a fresh KMS data key into the avalanche-ops envelope and uploads it.
// Existing objects are never replaced without --overwrite: they are some validator's identity.
import { readFile } from 'node:fs/promises';
import { defineCommand } from '../core/command.js';
import { LuxopsError, UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { expandKeyTemplate } from '../core/key-template.js';
import { createEnvelopeContext, destroyEnvelopeContext, sealPlaintext, uploadObject } from '../core/sealed-object.js';
import type { EnvelopeContext } from '../core/sealed-object.js';
import { objectExists } from '../core/s3-object.js';
import { deriveBlsKey, hex0x } from '../core/bls-key.js';
import { keyUploaderOptions } from './uploader-options.js';
import type { KeyUploaderConfig } from './uploader-options.js';
import { verifyTlsIdentity } from './tls-identity.js';

type Env = Readonly<Record<string, string | undefined>>;
interface Upload { flag: string; path: string; s3Key: string }

/** The (local file, S3 key) pairs the flags ask for; usage errors for half-given groups. */
export function plannedUploads(c: KeyUploaderConfig, env: Env): Upload[] {
  const out: Upload[] = [];
  const tls = [c.tlsKeyPath, c.tlsCertPath, c.s3KeyTlsKey, c.s3KeyTlsCert];
  if (tls.some(Boolean)) {
    if (!tls.every(Boolean)) throw new UsageError('the TLS upload needs all of --tls-key-path, --tls-cert-path, --s3-key-tls-key and --s3-key-tls-cert', 'E_MISSING_FLAG');
    out.push({ flag: 'tls-key-path', path: c.tlsKeyPath!, s3Key: expandKeyTemplate(c.s3KeyTlsKey!, 's3-key-tls-key', env) });
    out.push({ flag: 'tls-cert-path', path: c.tlsCertPath!, s3Key: expandKeyTemplate(c.s3KeyTlsCert!, 's3-key-tls-cert', env) });
  }
  if (c.signerKeyPath || c.s3KeySigner) {
    if (!c.signerKeyPath || !c.s3KeySigner) throw new UsageError('the signer upload needs both --signer-key-path and --s3-key-signer', 'E_MISSING_FLAG');
    out.push({ flag: 'signer-key-path', path: c.signerKeyPath, s3Key: expandKeyTemplate(c.s3KeySigner, 's3-key-signer', env) });
  }
  if (out.length === 0) throw new UsageError('nothing to upload: give --tls-key-path/--tls-cert-path with their S3 keys, and/or --signer-key-path with --s3-key-signer', 'E_MISSING_FLAG');
  const keys = out.map((u) => u.s3Key);
  if (new Set(keys).size !== keys.length) throw new UsageError('the S3 keys of the uploaded files must be different', 'E_BAD_OPTION');
  return out;
}

async function readInput(u: Upload): Promise<Buffer> {
  try {
    return await readFile(u.path);
  } catch (e) {
    throw new UsageError(`cannot read --${u.flag} ${u.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'E_INPUT_UNREADABLE');
  }
}

async function refuseExisting(ctx: EnvelopeContext, uploads: readonly Upload[]): Promise<void> {
  for (const u of uploads) {
    if (await objectExists(ctx.s3, ctx.config.s3Bucket, u.s3Key, ctx.retry)) {
      throw new LuxopsError('E_S3_OBJECT_EXISTS', `S3 object s3://${ctx.config.s3Bucket}/${u.s3Key} already exists; refusing to replace a validator identity without --overwrite`, { details: { bucket: ctx.config.s3Bucket, s3Key: u.s3Key } });
    }
  }
}

/** Verify local key material, seal it and upload it. */
export const keyUploaderCommand = defineCommand({
  name: 'key-uploader',
  summary: 'Seal local TLS staking key/cert and/or BLS signer key with KMS into the avalanche-ops envelope and upload to S3',
  options: keyUploaderOptions,
  helpExtra: [
    'Example:',
    '  luxops key-uploader --s3-region us-west-2 --s3-bucket lux-keys --kms-key-id alias/lux-staking --aad-tag lux \\',
    '    --tls-key-path staker.key --tls-cert-path staker.crt --signer-key-path signer.key \\',
    '    --s3-key-tls-key mainnet/staking/3/staker.key.zstd.encrypted --s3-key-tls-cert mainnet/staking/3/staker.crt.zstd.encrypted \\',
    '    --s3-key-signer mainnet/staking/3/signer.key.zstd.encrypted',
    'Exit codes: 0 uploaded, 1 verification/KMS/S3 failure or object exists (without --overwrite), 2 usage error.',
  ].join('\n'),
  validate({ config: c }, env) {
    plannedUploads(c, env);
  },
  describe: ({ config: c }, env) => ({ uploads: plannedUploads(c, env) }),
  async run({ config: c, env, deps, log }) {
    const uploads = plannedUploads(c, env);
    const data = new Map<Upload, Buffer>();
    for (const u of uploads) data.set(u, await readInput(u));
    const summary: Record<string, unknown> = { bucket: c.s3Bucket, objects: uploads.map((u) => u.s3Key) };
    try {
      const [tlsKey, tlsCert, signer] = ['tls-key-path', 'tls-cert-path', 'signer-key-path'].map((f) => uploads.find((u) => u.flag === f));
      if (tlsKey && tlsCert) {
        const id = verifyTlsIdentity(data.get(tlsKey)!, data.get(tlsCert)!, { key: `--tls-key-path ${tlsKey.path}`, cert: `--tls-cert-path ${tlsCert.path}` });
        summary.nodeId = id.nodeId;
        log.info({ nodeId: id.nodeId, keyType: id.keyType }, 'verified TLS staking identity');
      }
      if (signer) {
        const info = deriveBlsKey(data.get(signer)!, `--signer-key-path ${signer.path}`);
        summary.publicKey = hex0x(info.publicKey);
        summary.proofOfPossession = hex0x(info.proofOfPossession);
        log.info({ publicKey: summary.publicKey }, 'verified BLS signer key');
      }
      const ctx = createEnvelopeContext(c, env, log, deps.signal);
      try {
        if (!c.overwrite) await refuseExisting(ctx, uploads);
        // every KMS call happens before the first PUT, so a KMS failure uploads nothing
        const sealed: Uint8Array[] = [];
        for (const u of uploads) sealed.push(await sealPlaintext(ctx, data.get(u)!));
        for (const [i, u] of uploads.entries()) await uploadObject(ctx, u.s3Key, sealed[i]!);
      } finally {
        destroyEnvelopeContext(ctx);
      }
    } finally {
      for (const b of data.values()) b.fill(0);
    }
    deps.stdout.write(`${JSON.stringify(summary)}\n`);
    return EXIT.OK;
  },
});
