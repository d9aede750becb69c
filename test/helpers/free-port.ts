// A TCP port on 127.0.0.1 to hand to a child process that binds it itself (fake luxd, a status
// server): the tests that cannot let the child pick port 0 because the parent must know it first.
import net from 'node:net';
import { readFileSync } from 'node:fs';

/** The kernel's ephemeral range: client sockets and port-0 listeners are placed there. */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    /* not Linux: the IANA default */
  }
  return [49152, 65535];
}

/**
 * A port that was free a moment ago (the supervisor must know luxd's port before spawning it).
 * Picked at random below the ephemeral range and checked with a bind: a port-0 pick could be
 * taken by any concurrent test's outgoing connection before luxd binds it (seen as EADDRINUSE).
 */
export async function freePort(): Promise<number> {
  const [lo] = ephemeralRange();
  const base = Math.max(1024, lo - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = base + Math.floor(Math.random() * (lo - base));
    const srv = net.createServer();
    const ok = await new Promise<boolean>((r) => {
      srv.once('error', () => r(false));
      srv.listen(port, '127.0.0.1', () => r(true));
    });
    if (ok) {
      await new Promise<void>((r) => srv.close(() => r()));
      return port;
    }
  }
  throw new Error(`no free port found below ${lo} in 50 tries`);
}
