// Reading and parsing a /drip body: at most 1 KiB (413 beyond, without buffering the rest), JSON
// `{"address":..}` or form-encoded `address=..` (the page's form), anything else 400.
import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 1024;

/** `challenge` and `nonce` are the proof of work (--pow-difficulty); the form sends them as pow_challenge, pow_nonce */
export type BodyResult = { ok: true; address: unknown; challenge?: unknown; nonce?: unknown } | { ok: false; status: number; error: string };

/** The client went away before its body was complete (not the server's failure: logged at debug). */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection before the request body was complete');
    this.name = 'ClientGoneError';
  }
}

/** True when the declared Content-Length alone is over the cap (answer 413 without reading a byte). */
export function declaredTooLarge(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES;
}

/** Read up to MAX_BODY_BYTES; resolves undefined when the body is larger. */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (declaredTooLarge(req)) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      done = true;
      resolve(Buffer.concat(chunks));
    });
    // an abort mid-body shows as 'error' (ECONNRESET "aborted") and/or 'close' without 'end'
    const gone = () => {
      if (done) return;
      done = true;
      reject(new ClientGoneError());
    };
    req.on('error', gone);
    req.on('close', gone);
  });
}

/** Parse the body per its content type into the requested address. */
export function parseDripBody(contentType: string | undefined, body: Buffer): BodyResult {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = body.toString('utf8');
  if (type === 'application/json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { ok: false, status: 400, error: 'bad JSON body' };
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, status: 400, error: 'expected a JSON object {"address":"0x..."}' };
    const d = doc as Record<string, unknown>;
    return { ok: true, address: d.address, challenge: d.challenge, nonce: d.nonce };
  }
  if (type === 'application/x-www-form-urlencoded') {
    const q = new URLSearchParams(text);
    return { ok: true, address: q.get('address') ?? undefined, challenge: q.get('pow_challenge') ?? undefined, nonce: q.get('pow_nonce') ?? undefined };
  }
  return { ok: false, status: 400, error: 'unsupported content type: send application/json or application/x-www-form-urlencoded' };
}
