// `s3://bucket/prefix` parsing, shared by the lazy S3 wrapper and the S3 source itself (kept apart
// so the S3 chunk does not import the module that imports it).
import { LuxopsError } from '../core/errors.js';

/** Parse `s3://bucket/prefix` into bucket and key prefix (no trailing slash). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !m[1]) throw new LuxopsError('E_BAD_S3_URL', `not an s3://bucket/prefix URL: ${url}`, { exitCode: 2 });
  return { bucket: m[1], prefix: m[2]!.replace(/\/+$/, '') };
}
