// The one Content-Range parser (RFC 9110 §14.4) for every source: http(s) responses and S3's
// GetObject, whose ContentRange field carries the same header value.

/** `bytes a-b/total` (total may be `*`); undefined when it is not that. */
export function parseContentRange(v: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec((v ?? '').trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]) + 1;
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (end <= start || (total !== undefined && end > total)) return undefined;
  return { start, end, total };
}
