// ISO 8601 and HTTP-date text from epoch milliseconds, with the getUTC* accessors only.
// Date.prototype.toISOString and toUTCString make V8 load ICU's time-zone data and code (~1 MB of
// resident pages on Node 24, measured with bench/startup.mjs) even for UTC output; the long-lived
// supervisor stamps every log line, status field and HTTP answer with a time and needs none of ICU.
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `new Date(ms).toISOString()`, byte for byte (including its RangeError for an invalid time). */
export function isoUtc(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  // years outside 0..9999 use the expanded +/-YYYYYY form; rare enough to leave to V8
  if (!(y >= 0 && y <= 9999)) return d.toISOString();
  return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

/** `new Date(ms).toUTCString()` (RFC 9110 IMF-fixdate, the HTTP `Date` header) for years 0..9999. */
export function httpDate(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (!(y >= 0 && y <= 9999)) return d.toUTCString();
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${pad(y, 4)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} GMT`;
}
