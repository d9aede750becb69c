// Where snapshot-create writes: an S3 object (multipart through the AWS SDK's upload helper) or an
// HTTP PUT. Both take the archive as one stream of unknown length and then publish the small
// `<name>.sha256` next to it, only after the archive itself is complete. The implementations import
// this file; create-sink.ts picks one (so neither imports a module that imports it back).
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';

export interface UploadResult {
  /** parts of a multipart upload (1 for a single PUT) */
  readonly parts: number;
  readonly etag?: string;
}

export interface SnapshotSink {
  /** the archive's URL with credentials and query values redacted */
  readonly describe: string;
  /** the checksum object's URL, redacted */
  readonly describeChecksum: string;
  /** upload the archive; resolves once the object is complete (never a partial object) */
  upload(body: Readable, signal: AbortSignal, onSent: (bytes: number) => void): Promise<UploadResult>;
  /** publish `<name>.sha256` (sha256sum format) */
  putChecksum(text: string, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface SinkOptions {
  readonly s3Endpoint?: string | undefined;
  readonly s3Region?: string | undefined;
  readonly partSize: number;
  readonly concurrency: number;
  readonly contentType: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
}

/** A URL for logs (core's one redaction: no userinfo, query values masked). */
export { redactUrl } from '../core/redact-url.js';

/** `<to>.sha256`: the checksum object next to the archive (the query string stays on the URL). */
export function checksumUrlOf(to: string): string {
  if (to.startsWith('s3://')) return `${to}.sha256`;
  const u = new URL(to);
  u.pathname += '.sha256';
  return u.toString();
}
