// Whole-object GET/PUT against S3 (or an S3-compatible store) with the SDK errors mapped to stable
// codes: a missing object names the bucket and key, a denial names the action the pod's principal
// lacks. Transient failures (throttling, 5xx, timeouts, resets) retry with bounded backoff.
import { S3Client, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { LuxopsError, isAbortError } from './errors.js';
import { awsClientConfig, awsErrorFacts, awsRetried, isAwsTransient } from './aws-client.js';
import type { AwsClientOptions, AwsRetryPolicy } from './aws-client.js';

export type { AwsRetryPolicy } from './aws-client.js';

/** Retry budget for one call. */

/** An S3 client for `--s3-region`/`--s3-endpoint` (path-style when an endpoint is given). */
export function createS3(o: AwsClientOptions): S3Client {
  return new S3Client({
    ...awsClientConfig(o),
    forcePathStyle: Boolean(o.endpoint),
    // keep requests plain: S3-compatible stores do not all speak the flexible-checksum headers
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Map an S3 SDK error for `action` on s3://bucket/key to a LuxopsError. */
export function mapS3Error(e: unknown, action: 's3:GetObject' | 's3:PutObject', bucket: string, key: string): LuxopsError {
  if (e instanceof LuxopsError || isAbortError(e)) return e as LuxopsError;
  const f = awsErrorFacts(e);
  const where = `s3://${bucket}/${key}`;
  const details = { bucket, s3Key: key, awsError: f.name, status: f.status };
  if (f.name === 'NoSuchKey' || (f.name === 'NotFound' && action === 's3:GetObject')) {
    return new LuxopsError('E_S3_NOT_FOUND', `S3 object not found: bucket ${JSON.stringify(bucket)}, key ${JSON.stringify(key)}`, { cause: e, details });
  }
  if (f.name === 'NoSuchBucket') {
    return new LuxopsError('E_S3_NO_SUCH_BUCKET', `S3 bucket ${JSON.stringify(bucket)} does not exist (${action} ${where})`, { cause: e, details });
  }
  if (f.status === 403 || f.name === 'AccessDenied' || f.name === 'InvalidAccessKeyId' || f.name === 'SignatureDoesNotMatch') {
    return new LuxopsError('E_S3_ACCESS_DENIED', `S3 access denied: the pod's AWS principal may not ${action} on ${where} (${f.name})`, { cause: e, details });
  }
  if (isAwsTransient(e)) {
    return new LuxopsError('E_S3_UNAVAILABLE', `S3 unavailable for ${action} ${where}: ${f.name}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`, { cause: e, details });
  }
  return new LuxopsError('E_S3_FAILED', `S3 ${action} ${where} failed: ${f.name}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`, { cause: e, details });
}

/** Run one S3 call with the retry policy; the final error is mapped. */
function retried<T>(fn: () => Promise<T>, p: AwsRetryPolicy, action: 's3:GetObject' | 's3:PutObject', bucket: string, key: string): Promise<T> {
  return awsRetried(fn, p, { code: 'E_S3_RETRY', action, fields: { bucket, s3Key: key } }, (e) => mapS3Error(e, action, bucket, key));
}

export async function getObjectBytes(s3: S3Client, bucket: string, key: string, p: AwsRetryPolicy): Promise<Uint8Array> {
  return retried(async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: p.signal });
    if (!out.Body) throw new LuxopsError('E_S3_FAILED', `S3 returned no body for s3://${bucket}/${key}`);
    return out.Body.transformToByteArray();
  }, p, 's3:GetObject', bucket, key);
}

/** PUT a whole object (idempotent: same key, same bytes). */
export async function putObjectBytes(s3: S3Client, bucket: string, key: string, body: Uint8Array, p: AwsRetryPolicy): Promise<void> {
  await retried(async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ContentType: 'application/octet-stream' }), { abortSignal: p.signal });
  }, p, 's3:PutObject', bucket, key);
}

/** Whether s3://bucket/key exists (HEAD; needs the same s3:GetObject permission as a GET). */
export async function objectExists(s3: S3Client, bucket: string, key: string, p: AwsRetryPolicy): Promise<boolean> {
  try {
    await retried(() => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: p.signal }), p, 's3:GetObject', bucket, key);
    return true;
  } catch (e) {
    if (e instanceof LuxopsError && e.code === 'E_S3_NOT_FOUND') return false;
    throw e;
  }
}
