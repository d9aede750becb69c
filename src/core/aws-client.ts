// What every AWS SDK client here is built with: region from the flag, optional S3/KMS-compatible
// endpoint, credentials from the SDK default chain (env, web identity / IRSA, profile, instance
// metadata), one attempt per SDK call (our own withRetry counts and logs retries) and a per-request
// timeout. The env the command was given is read for static credentials first, so in-process tests
// and the real binary resolve them the same way without touching process.env.
import { isAbortError } from './errors.js';
import { withRetry } from './retry.js';
import type { Logger } from 'pino';

export interface AwsClientOptions {
  region: string;
  endpoint?: string | undefined;
  profile?: string | undefined;
  requestTimeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
}

/** Client config shared by S3Client and KMSClient. */
export function awsClientConfig(o: AwsClientOptions): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    region: o.region,
    maxAttempts: 1,
    requestHandler: { requestTimeout: o.requestTimeoutMs, connectionTimeout: Math.min(o.requestTimeoutMs, 10_000), throwOnRequestTimeout: true },
  };
  if (o.endpoint) cfg.endpoint = o.endpoint;
  if (o.profile) cfg.profile = o.profile;
  const credentials = staticCredentials(o.env);
  if (credentials) cfg.credentials = credentials;
  return cfg;
}

/** Static credentials from the command's env (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN]), else undefined: the SDK's default chain. */
export function staticCredentials(env: Readonly<Record<string, string | undefined>>): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (!id || !secret) return undefined;
  return { accessKeyId: id, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

/** The facts of an SDK error we classify on. */
export interface AwsErrorFacts {
  name: string;
  status: number | undefined;
  code: string | undefined;
  message: string;
}

/** Pull name, HTTP status and errno code out of whatever the SDK threw. */
export function awsErrorFacts(e: unknown): AwsErrorFacts {
  const err = (e ?? {}) as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } };
  const name = err.Code ?? err.name ?? 'Error';
  return {
    // a bare network Error says more by its errno (ECONNREFUSED) than by its class name
    name: name === 'Error' && err.code ? err.code : name,
    status: err.$metadata?.httpStatusCode ?? err.$response?.statusCode,
    code: err.code,
    message: String(err.message ?? e).split('\n')[0] ?? '',
  };
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'SlowDown', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError', 'InternalError', 'InternalFailure',
  'ServiceUnavailable', 'KMSInternalException', 'DependencyTimeoutException', 'KeyUnavailableException',
]);
const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** True for failures worth retrying: throttling, 5xx, timeouts, connection errors. Never an abort. */
export function isAwsTransient(e: unknown): boolean {
  if (isAbortError(e)) return false;
  const f = awsErrorFacts(e);
  if (TRANSIENT_NAMES.has(f.name)) return true;
  if (f.status !== undefined && (f.status >= 500 || f.status === 429 || f.status === 408)) return true;
  return f.code !== undefined && TRANSIENT_ERRNO.has(f.code);
}

export interface AwsRetryPolicy {
  retries: number;
  maxRetryTimeMs: number;
  minTimeoutMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

/** Run one AWS call with the bounded retry policy, log each retry, and map the final error. */
export async function awsRetried<T>(fn: () => Promise<T>, p: AwsRetryPolicy, retry: { code: string; action: string; fields: Record<string, unknown> }, mapError: (e: unknown) => Error): Promise<T> {
  try {
    return await withRetry(fn, {
      retries: p.retries,
      maxRetryTimeMs: p.maxRetryTimeMs,
      minTimeoutMs: p.minTimeoutMs ?? 200,
      maxTimeoutMs: 5_000,
      signal: p.signal,
      shouldRetry: isAwsTransient,
      onRetry: (e, attempt, left) => left > 0 && p.log?.warn({ code: retry.code, ...retry.fields, attempt, retriesLeft: left, awsError: awsErrorFacts(e).name }, `${retry.action} failed, retrying`),
    });
  } catch (e) {
    throw mapError(e);
  }
}
