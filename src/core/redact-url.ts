// URLs as they may appear in errors, logs, /health and --check: without credentials. An RPC URL
// often carries them (`http://user:pass@host/...`, `?apikey=K`, presigned `?X-Amz-Signature=`), and
// every error built from a URL goes through here (http-errors.ts), so no caller can forget it.

const MASK = '***';

/** Parse `raw` as an absolute URL, or undefined. */
function parse(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/**
 * `raw` with the userinfo replaced by `***` and every query value by `***` (names kept: they say
 * which parameter was given); the fragment dropped. Not a URL at all: a fixed placeholder, since
 * we cannot tell which part of it is a secret.
 */
export function redactUrl(raw: string): string {
  const u = parse(raw);
  if (!u) return '[invalid url]';
  // nothing secret in it: keep it exactly as written (--check output is read, and compared, as given)
  if (!u.username && !u.password && !u.search && !u.hash) return raw;
  const auth = u.username || u.password ? `${MASK}@` : '';
  const names = [...new Set([...u.searchParams.keys()])];
  const query = u.search ? `?${names.map((n) => `${encodeURIComponent(n)}=${MASK}`).join('&')}` : '';
  return `${u.protocol}//${auth}${u.host}${u.pathname}${query}`;
}

/** The secret parts of `raw` (user, password, query values), decoded and as written, longest first. */
export function urlSecrets(raw: string): string[] {
  const u = parse(raw);
  if (!u) return [raw];
  const out = new Set<string>();
  const add = (s: string) => {
    if (s.length < 3) return;
    out.add(s);
    try {
      out.add(decodeURIComponent(s));
    } catch {
      // not percent-encoded: the raw form is enough
    }
  };
  add(u.username);
  add(u.password);
  for (const v of u.searchParams.values()) add(v);
  for (const part of u.search.slice(1).split('&')) add(part.slice(part.indexOf('=') + 1));
  // a bad URL is replaced whole; a good one is replaced in its full form as well as by its parts
  if (u.username || u.password || u.search) out.add(raw);
  return [...out].sort((a, b) => b.length - a.length);
}

/** `text` with every secret part of `raw` masked (a node or proxy may echo the URL or a key back). */
export function scrubUrlSecrets(text: string, raw: string): string {
  let s = text;
  for (const secret of urlSecrets(raw)) if (s.includes(secret)) s = s.split(secret).join(secret === raw ? redactUrl(raw) : MASK);
  return s;
}

/** Every URL inside free text (an error message or stack of unknown origin) redacted as above. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (m) => {
    const r = redactUrl(m);
    return r === '[invalid url]' ? m.replace(/[@?].*$/, '[redacted]') : r;
  });
}
