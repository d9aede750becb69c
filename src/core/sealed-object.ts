// Fetch an avalanche-ops artifact and return its plaintext: S3 GET, then (unless --plaintext)
// envelope parse, KMS Decrypt of the data key, AES-256-GCM open with the AAD tag, zstd decode.
// And the reverse for key-uploader. The data key is zeroed as soon as it has been used.
import type { Logger } from 'pino';
import type { S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import { createS3, getObjectBytes, putObjectBytes } from './s3-object.js';
import type { AwsRetryPolicy } from './s3-object.js';
import { createKms, kmsDecryptDataKey, kmsGenerateDataKey } from './kms.js';
import { parseEnvelope, openEnvelope, sealEnvelope } from './envelope.js';
import { zstdCompress, zstdDecompress } from './zstd.js';
import type { AwsEnvelopeConfig } from './aws-options.js';

/** Clients and settings for one command run. */
export interface EnvelopeContext {
  readonly s3: S3Client;
  /** undefined with --plaintext */
  readonly kms: KMSClient | undefined;
  readonly config: AwsEnvelopeConfig;
  readonly retry: AwsRetryPolicy;
  readonly log: Logger;
}

/** Build the S3 and KMS clients from the shared flags (KMS region defaults to the S3 region). */
export function createEnvelopeContext(config: AwsEnvelopeConfig, env: Readonly<Record<string, string | undefined>>, log: Logger, signal?: AbortSignal): EnvelopeContext {
  const common = { profile: config.profileName, requestTimeoutMs: config.requestTimeout, env };
  return {
    s3: createS3({ ...common, region: config.s3Region, endpoint: config.s3Endpoint }),
    kms: config.plaintext ? undefined : createKms({ ...common, region: config.kmsRegion ?? config.s3Region, endpoint: config.kmsEndpoint }),
    config,
    retry: { retries: config.retries, maxRetryTimeMs: config.retryMaxTime, signal, log },
    log,
  };
}

/** Release the clients' sockets. */
export function destroyEnvelopeContext(ctx: EnvelopeContext): void {
  ctx.s3.destroy();
  ctx.kms?.destroy();
}

/** GET s3://<bucket>/<key> and return the plaintext it carries. */
export async function fetchPlaintext(ctx: EnvelopeContext, key: string): Promise<Buffer> {
  const { config, log } = ctx;
  const what = `s3://${config.s3Bucket}/${key}`;
  const body = await getObjectBytes(ctx.s3, config.s3Bucket, key, ctx.retry);
  log.info({ bucket: config.s3Bucket, s3Key: key, bytes: body.length }, 'downloaded object');
  if (config.plaintext || !ctx.kms) return Buffer.from(body);
  const parts = parseEnvelope(body, what);
  const keyId = config.kmsKeyId!;
  const dataKey = await kmsDecryptDataKey(ctx.kms, keyId, parts.encryptedDataKey, ctx.retry);
  let frame: Buffer;
  try {
    frame = openEnvelope(parts, dataKey, config.aadTag ?? '', what);
  } finally {
    dataKey.fill(0);
  }
  const plain = zstdDecompress(frame, what);
  frame.fill(0);
  log.debug({ s3Key: key, bytes: plain.length }, 'opened envelope');
  return plain;
}

/** Seal `plaintext` (zstd, then a fresh KMS data key) into an envelope; --plaintext returns it as is. */
export async function sealPlaintext(ctx: EnvelopeContext, plaintext: Uint8Array): Promise<Uint8Array> {
  const { config } = ctx;
  if (config.plaintext || !ctx.kms) return plaintext;
  const dk = await kmsGenerateDataKey(ctx.kms, config.kmsKeyId!, ctx.retry);
  const frame = zstdCompress(plaintext);
  try {
    return sealEnvelope(frame, dk.plaintext, dk.ciphertextBlob, config.aadTag ?? '');
  } finally {
    dk.plaintext.fill(0);
    frame.fill(0);
  }
}

/** PUT a sealed body at `key`. */
export async function uploadObject(ctx: EnvelopeContext, key: string, body: Uint8Array): Promise<void> {
  const { config } = ctx;
  await putObjectBytes(ctx.s3, config.s3Bucket, key, body, ctx.retry);
  ctx.log.info({ bucket: config.s3Bucket, s3Key: key, bytes: body.length, sealed: !config.plaintext }, 'uploaded object');
}
