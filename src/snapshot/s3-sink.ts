// snapshot-create's S3 target: the AWS SDK's Upload helper (@aws-sdk/lib-storage) turns the
// stream into a multipart upload (parts of --part-size, --upload-concurrency in flight, each part
// buffered so the SDK can retry it) and aborts the multipart upload on any failure, so a failed run
// leaves no object and no orphaned parts. Credentials as for every s3:// URL in luxops: the env's
// AWS_ACCESS_KEY_ID..., else the SDK's default chain (IRSA web identity, instance profile).
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { LuxopsError, errorMessage } from '../core/errors.js';
import type { SinkOptions, SnapshotSink } from './sink.js';
import { staticCredentials } from '../core/aws-client.js';

/** `s3://bucket/key` with a non-empty key. */
export function parseS3Target(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m || m[2]!.endsWith('/')) throw new LuxopsError('E_BAD_S3_URL', `--to ${url}: expected s3://bucket/key/name.tar.gz (or .tar.zst)`, { exitCode: 2 });
  return { bucket: m[1]!, key: m[2]! };
}

interface S3Failure {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function describeS3Error(e: unknown): string {
  const f = e as S3Failure;
  const status = f?.$metadata?.httpStatusCode;
  return `${f?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${errorMessage(e)}`;
}

export function createS3Sink(to: string, o: SinkOptions): SnapshotSink {
  const { bucket, key } = parseS3Target(to);
  const env = o.env;
  const credentials = staticCredentials(env);
  const client = new S3Client({
    region: o.s3Region ?? env.AWS_REGION ?? 'us-east-1',
    ...(o.s3Endpoint ? { endpoint: o.s3Endpoint, forcePathStyle: true } : {}),
    ...(credentials ? { credentials } : {}),
    // each part is in memory: the SDK may resend it
    maxAttempts: 5,
  });
  const checksumKey = `${key}.sha256`;
  return {
    describe: `s3://${bucket}/${key}`,
    describeChecksum: `s3://${bucket}/${checksumKey}`,
    async upload(body, signal, onSent) {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: o.contentType },
        partSize: o.partSize,
        queueSize: o.concurrency,
        leavePartsOnError: false,
      });
      let parts = 0;
      upload.on('httpUploadProgress', (p) => {
        if (p.loaded !== undefined) onSent(p.loaded);
        if (p.part !== undefined) parts = Math.max(parts, p.part);
      });
      const onAbort = () => void upload.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const r = await upload.done();
        return { parts: Math.max(1, parts), ...(r.ETag ? { etag: r.ETag } : {}) };
      } catch (e) {
        if (signal.aborted) throw signal.reason ?? e;
        // a failure of the archive stream itself (source changed, unsafe link) is the real error
        if (e instanceof LuxopsError) throw e;
        throw new LuxopsError('E_UPLOAD_FAILED', `upload to s3://${bucket}/${key} failed: ${describeS3Error(e)}; the multipart upload was aborted, nothing was written`, { cause: e });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    async putChecksum(text, signal) {
      try {
        // the client retries transient failures itself (maxAttempts)
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: checksumKey, Body: text, ContentType: 'text/plain; charset=utf-8' }), { abortSignal: signal });
      } catch (e) {
        if (signal.aborted) throw signal.reason ?? e;
        throw new LuxopsError('E_UPLOAD_FAILED', `the archive is uploaded, but writing s3://${bucket}/${checksumKey} failed: ${describeS3Error(e)}`, { cause: e });
      }
    },
    async close() {
      client.destroy();
    },
  };
}
