// Objects in S3 or an S3-compatible store (`s3://bucket/prefix/name`), read with HeadObject and
// ranged GetObject. A chunk of its own in the build, loaded only for s3:// URLs. Credentials come
// from the env the command was given (AWS_ACCESS_KEY_ID...) and otherwise from the SDK's default
// chain (IRSA web identity, instance profile).
import { S3Client, HeadObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { HttpNetworkError, HttpStatusError } from '../core/http.js';
import { parseS3Url } from './s3-url.js';
import type { ObjectSource, RemoteBody, RemoteObject, SourceOptions, GetOptions } from './types.js';
import type { Readable } from 'node:stream';
import { parseContentRange } from './content-range.js';
import { watchStalls, DEFAULT_STALL_MS } from './stall-watch.js';
import { staticCredentials } from '../core/aws-client.js';

interface S3Failure {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(e: unknown): number | undefined {
  return (e as S3Failure)?.$metadata?.httpStatusCode;
}

/** Map an SDK failure to our HTTP error classes so retry rules stay the same as for http(s). */
function mapError(e: unknown, method: string, url: string, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? e;
  const status = statusOf(e);
  if (status !== undefined) return new HttpStatusError(method, url, status, (e as S3Failure).name ?? '');
  return new HttpNetworkError(method, url, e, false);
}

/** An ObjectSource over one bucket/prefix. */
export function createS3Source(baseUrl: string, opts: SourceOptions): ObjectSource {
  const { bucket, prefix } = parseS3Url(baseUrl);
  const env = opts.env;
  const credentials = staticCredentials(env);
  const client = new S3Client({
    region: opts.s3Region ?? env.AWS_REGION ?? 'us-east-1',
    ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint, forcePathStyle: true } : {}),
    ...(credentials ? { credentials } : {}),
    // the downloader owns retries (it resumes from the last written byte)
    maxAttempts: 1,
  });
  const keyOf = (name: string) => (prefix ? `${prefix}/${name}` : name);
  const urlOf = (name: string) => `s3://${bucket}/${keyOf(name)}`;

  return {
    describe: urlOf,
    async head(name, signal): Promise<RemoteObject | undefined> {
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(name) }), { abortSignal: signal });
        return { size: r.ContentLength, acceptRanges: true, ...(r.ETag ? { etag: r.ETag } : {}), ...(r.LastModified ? { lastModified: r.LastModified.toUTCString() } : {}) };
      } catch (e) {
        if (statusOf(e) === 404) return undefined;
        throw mapError(e, 'HEAD', urlOf(name), signal);
      }
    },
    async get(name, start, signal, opts: GetOptions = {}): Promise<RemoteBody> {
      const range = opts.end !== undefined ? `bytes=${start}-${opts.end - 1}` : start > 0 ? `bytes=${start}-` : undefined;
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(name), ...(range ? { Range: range } : {}) }), { abortSignal: signal });
        const cr = parseContentRange(r.ContentRange);
        const validators = { ...(r.ETag ? { etag: r.ETag } : {}), ...(r.LastModified ? { lastModified: r.LastModified.toUTCString() } : {}) };
        // the SDK has no timeout between body chunks: a silent connection is dropped here
        const raw = r.Body as unknown as Readable;
        const body = Object.assign(watchStalls(raw, opts.stallTimeoutMs ?? DEFAULT_STALL_MS, () => new HttpNetworkError('GET', urlOf(name), new Error('stalled'), true)), { destroy: (e?: Error) => raw.destroy(e) });
        if (range && cr) return { partial: true, from: cr.start, length: cr.end - cr.start, total: cr.total, body, ...validators };
        return { partial: false, from: 0, length: r.ContentLength, total: r.ContentLength, body, ...validators };
      } catch (e) {
        throw mapError(e, 'GET', urlOf(name), signal);
      }
    },
    async close() {
      client.destroy();
    },
  };
}
