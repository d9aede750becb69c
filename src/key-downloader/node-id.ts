// NodeIDs as luxd/avalanchego derive them from the staking certificate:
// `NodeID-` + CB58(ripemd160(sha256(certificate DER))), CB58 = base58(payload ‖ sha256(payload)[28..32]).
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { base58 } from '@scure/base';

/** CB58: base58 with a 4-byte sha256 checksum appended. */
export function cb58Encode(payload: Uint8Array): string {
  const sum = sha256(payload);
  const out = new Uint8Array(payload.length + 4);
  out.set(payload, 0);
  out.set(sum.subarray(sum.length - 4), payload.length);
  return base58.encode(out);
}

/** The NodeID of a staking certificate given as DER bytes. */
export function nodeIdFromCertDer(der: Uint8Array): string {
  return `NodeID-${cb58Encode(ripemd160(sha256(der)))}`;
}

/** True for a syntactically valid NodeID string (base58 of 20 + 4 bytes with a matching checksum). */
export function isValidNodeId(s: string): boolean {
  if (!s.startsWith('NodeID-')) return false;
  try {
    const raw = base58.decode(s.slice('NodeID-'.length));
    if (raw.length !== 24) return false;
    return cb58Encode(raw.subarray(0, 20)) === s.slice('NodeID-'.length);
  } catch {
    return false;
  }
}
