// Which IP a request is charged to. The socket peer, unless --trust-proxy N says N proxies in
// front of us append to X-Forwarded-For: then we step N entries from the right (the rightmost entry
// was written by the proxy closest to us). Entries left of that are client-controlled and ignored,
// so a spoofed header from an untrusted client changes nothing.
import { isIP } from 'node:net';

/** Strip the IPv4-mapped prefix and brackets/ports a proxy may leave on an entry. */
export function normalizeIp(raw: string): string | undefined {
  let s = raw.trim();
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracket) s = bracket[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (mapped) s = mapped[1]!;
  return isIP(s) ? s.toLowerCase() : undefined;
}

/** The client IP for a socket address and X-Forwarded-For header(s) with `trustHops` trusted proxies. */
export function clientIp(socketAddr: string | undefined, xff: string | string[] | undefined, trustHops: number): string {
  let ip = normalizeIp(socketAddr ?? '') ?? 'unknown';
  if (trustHops <= 0 || xff === undefined) return ip;
  const entries = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
  for (let hop = 0; hop < trustHops && entries.length > 0; hop++) {
    // each trusted hop vouches for the entry it appended: the next one from the right
    const next = normalizeIp(entries.pop()!);
    if (next === undefined) break;
    ip = next;
  }
  return ip;
}

/** Expand an IPv6 address to 8 groups (for /64 bucketing). */
function expandV6(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') as [string, string] : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // an embedded IPv4 tail (::1.2.3.4) counts as two groups
  const fix = (g: string[]) => g.flatMap((x) => (x.includes('.') ? ['0', '0'] : [x]));
  const hh = fix(h);
  const tt = fix(t);
  const fill = tail === undefined ? [] : Array(8 - hh.length - tt.length).fill('0');
  return [...hh, ...fill, ...tt].map((g) => g.padStart(4, '0'));
}

/** The rate-limit bucket for an IP: itself for IPv4, its /64 for IPv6 (one host owns a whole /64). */
export function ipBucket(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return `${expandV6(ip).slice(0, 4).join(':')}::/64`;
}
