// URLs as they may appear in logs and errors: a snapshot or export URL can carry a secret (a
// presigned URL's signature in the query, `user:password@` credentials), so both are replaced.
// The path stays: it names the object, which is what an operator needs to read.

/** `https://user:pw@host/a/b.tar?X-Amz-Signature=...` -> `https://[redacted]@host/a/b.tar?[redacted]` */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const q = url.indexOf('?');
    return q === -1 ? url : `${url.slice(0, q)}?[redacted]`;
  }
  const auth = u.username || u.password ? '[redacted]@' : '';
  return `${u.protocol}//${auth}${u.host}${u.pathname}${u.search ? '?[redacted]' : ''}`;
}
