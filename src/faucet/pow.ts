// Proof of work (--pow-difficulty BITS): /drip needs a solved challenge. Challenges are stateless
// (everything the server needs is in the token, authenticated with HMAC-SHA256 under --pow-key-file
// or LUXOPS_FAUCET_POW_KEY), bound to one recipient address and an expiry. A solved token is
// remembered only until it expires, so it is single use; nothing is stored for unsolved ones.
//
// Algorithm (version 1), for API clients:
//   GET /challenge?address=0x...  ->  {"challenge":"<payload>.<mac>","seed":"<64 hex>","difficulty":B,"expiresAt":ms}
//   seed = the 32 bytes of <mac> (base64url-decoded), given again in hex for convenience;
//   find an integer 0 <= n < 2^53 such that SHA-256(seed || n as 8 bytes big-endian) starts with B zero bits;
//   POST /drip {"address":"0x...","challenge":"...","nonce":"<n in decimal>"} (form fields pow_challenge, pow_nonce).
// Expected work: 2^B hashes. Verifying costs one HMAC and one SHA-256 (microseconds).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const POW_VERSION = 1;
const PAYLOAD_BYTES = 1 + 1 + 6 + 16 + 20;
const MAC_BYTES = 32;

export interface Challenge {
  challenge: string;
  seed: string;
  difficulty: number;
  expiresAt: number;
}

export type PowFailure = 'missing' | 'malformed' | 'forged' | 'expired' | 'address' | 'insufficient' | 'reused' | 'busy';
export type PowCheck = { ok: true; difficulty: number } | { ok: false; reason: PowFailure; error: string };

export interface PowOptions {
  key: Uint8Array;
  /** base difficulty in leading zero bits */
  difficulty: number;
  ttlMs: number;
  /** cap on remembered solved tokens; when full (after sweeping expired ones) new solutions are refused */
  maxTracked: number;
  now: () => number;
  /** optional: raise difficulty with the drip rate */
  auto?: AutoDifficulty | undefined;
}

/** Difficulty that grows by one bit per doubling of the recent drip rate over a target, up to a maximum. */
export interface AutoDifficulty {
  maxDifficulty: number;
  /** drips per window considered normal */
  targetCount: number;
  windowMs: number;
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(d: Uint8Array): number {
  let n = 0;
  for (const byte of d) {
    if (byte === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}

/** The PoW hash of a seed and a nonce. */
export function powHash(seed: Uint8Array, nonce: number): Buffer {
  const msg = Buffer.alloc(40);
  msg.set(seed.subarray(0, 32), 0);
  msg.writeUInt32BE(Math.floor(nonce / 2 ** 32), 32);
  msg.writeUInt32BE(nonce >>> 0, 36);
  return createHash('sha256').update(msg).digest();
}

/** Parse a client's nonce: a decimal string or a JSON number, an integer in [0, 2^53). */
export function parseNonce(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string' || !/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

export class PowGuard {
  /** solved tokens (by their random part) -> expiry, so a token is accepted once */
  private readonly used = new Map<string, number>();
  private lastSweep = 0;
  /** recent drip timestamps for auto difficulty (bounded) */
  private readonly recent: number[] = [];
  verified = 0;
  failures = new Map<PowFailure, number>();

  constructor(readonly o: PowOptions) {
    if (o.key.length < 16) throw new Error('PoW key shorter than 16 bytes');
  }

  get tracked(): number {
    return this.used.size;
  }

  /** Difficulty challenges are issued with now. */
  currentDifficulty(): number {
    const a = this.o.auto;
    if (!a) return this.o.difficulty;
    const cutoff = this.o.now() - a.windowMs;
    while (this.recent.length > 0 && this.recent[0]! <= cutoff) this.recent.shift();
    const ratio = this.recent.length / a.targetCount;
    const extra = ratio <= 1 ? 0 : Math.ceil(Math.log2(ratio));
    return Math.min(a.maxDifficulty, this.o.difficulty + extra);
  }

  /** Note a successful drip (auto difficulty). */
  recordDrip(): void {
    const a = this.o.auto;
    if (!a) return;
    this.recent.push(this.o.now());
    // counts beyond the one that reaches the maximum difficulty change nothing
    const cap = a.targetCount * 2 ** (a.maxDifficulty - this.o.difficulty) + 1;
    if (this.recent.length > cap) this.recent.splice(0, this.recent.length - cap);
  }

  private mac(payload: Uint8Array): Buffer {
    return createHmac('sha256', this.o.key).update(payload).digest();
  }

  /** A fresh challenge for `address` (0x + 40 hex, any case). */
  issue(address: string): Challenge {
    const difficulty = this.currentDifficulty();
    const expiresAt = this.o.now() + this.o.ttlMs;
    const p = Buffer.alloc(PAYLOAD_BYTES);
    p[0] = POW_VERSION;
    p[1] = difficulty;
    p.writeUIntBE(expiresAt, 2, 6);
    randomBytes(16).copy(p, 8);
    Buffer.from(address.slice(2), 'hex').copy(p, 24);
    const mac = this.mac(p);
    return { challenge: `${p.toString('base64url')}.${mac.toString('base64url')}`, seed: mac.toString('hex'), difficulty, expiresAt };
  }

  private fail(reason: PowFailure, error: string): PowCheck {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
    return { ok: false, reason, error };
  }

  /** Check a solution for `address` and, when good, mark the token used. */
  verify(address: string, token: unknown, rawNonce: unknown): PowCheck {
    if (token === undefined || token === null || token === '') return this.fail('missing', 'proof of work required: get a challenge from GET /challenge?address=... and solve it');
    const nonce = parseNonce(rawNonce);
    const m = typeof token === 'string' && token.length <= 200 ? /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token) : null;
    const payload = m ? Buffer.from(m[1]!, 'base64url') : undefined;
    const mac = m ? Buffer.from(m[2]!, 'base64url') : undefined;
    if (!payload || !mac || payload.length !== PAYLOAD_BYTES || mac.length !== MAC_BYTES || payload[0] !== POW_VERSION || nonce === undefined) {
      return this.fail('malformed', 'malformed proof of work: expected "challenge" from GET /challenge and a decimal "nonce"');
    }
    if (!timingSafeEqual(this.mac(payload), mac)) return this.fail('forged', 'invalid proof of work challenge: not issued by this faucet (or its key changed); get a new one');
    const now = this.o.now();
    const expiresAt = payload.readUIntBE(2, 6);
    if (expiresAt <= now) return this.fail('expired', 'proof of work challenge expired: get a new one');
    if (payload.subarray(24).toString('hex') !== address.slice(2).toLowerCase()) return this.fail('address', 'proof of work challenge was issued for another address');
    const difficulty = payload[1]!;
    if (leadingZeroBits(powHash(mac, nonce)) < difficulty) return this.fail('insufficient', `proof of work does not solve the challenge (needs ${difficulty} leading zero bits)`);
    const id = payload.subarray(8, 24).toString('base64');
    if (this.used.has(id)) return this.fail('reused', 'proof of work already used: get a new challenge');
    this.sweep(now);
    if (this.used.size >= this.o.maxTracked) return this.fail('busy', 'faucet busy: too many recent proofs of work; retry in a minute');
    this.used.set(id, expiresAt);
    this.verified++;
    return { ok: true, difficulty };
  }

  /** Forget tokens past their expiry (at most every 10 s, or when the table is full). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 10_000 && this.used.size < this.o.maxTracked) return;
    this.lastSweep = now;
    for (const [id, exp] of this.used) if (exp <= now) this.used.delete(id);
  }
}

/** Solve a challenge (reference client, used by tests and the bench). */
export function solvePow(seedHex: string, difficulty: number, maxAttempts = 2 ** 32): { nonce: number; attempts: number } | undefined {
  const seed = Buffer.from(seedHex, 'hex');
  const msg = Buffer.alloc(40);
  seed.copy(msg, 0);
  for (let n = 0; n < maxAttempts; n++) {
    msg.writeUInt32BE(Math.floor(n / 2 ** 32), 32);
    msg.writeUInt32BE(n >>> 0, 36);
    if (leadingZeroBits(createHash('sha256').update(msg).digest()) >= difficulty) return { nonce: n, attempts: n + 1 };
  }
  return undefined;
}
