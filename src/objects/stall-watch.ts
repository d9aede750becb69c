// A stalled body must not hang an attempt: a server (or a CDN edge) that keeps the connection open
// and sends nothing is dropped after the stall timeout and the download resumes with Range. The
// raw HTTP reader has this built in (its idle timeout); S3's SDK has no timeout between body
// chunks, so its bodies are watched here. Only time spent waiting for the server counts: a
// consumer that is busy (gunzip, disk) does not make the server look stalled.
import type { Readable } from 'node:stream';

/** The default stall timeout of every download (--stall-timeout). */
export const DEFAULT_STALL_MS = 60_000;

/** Iterate `body`; when a chunk takes longer than `ms` to arrive, destroy it with `stalled()`. */
export async function* watchStalls(body: Readable, ms: number, stalled: () => Error): AsyncGenerator<Uint8Array> {
  let waitingSince = 0;
  const timer = setInterval(() => {
    if (waitingSince !== 0 && Date.now() - waitingSince > ms) body.destroy(stalled());
  }, Math.max(25, Math.min(1000, ms / 4)));
  try {
    const it = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    for (;;) {
      waitingSince = Date.now();
      const r = await it.next();
      waitingSince = 0;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    clearInterval(timer);
    if (!body.destroyed) body.destroy();
  }
}
