// BLS12-381 signer keys as luxd/avalanchego store them: the raw 32-byte big-endian secret scalar.
// Min-pk scheme: 48-byte compressed G1 public key, 96-byte G2 signatures. The proof of possession
// that validator registration needs is the signature of the public key bytes under the POP DST.
// Shared by signer-downloader (verify what it fetched) and key-uploader (verify before sealing).
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { LuxopsError } from './errors.js';

export const BLS_SECRET_KEY_LENGTH = 32;
export const BLS_POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const ORDER = bls12_381.fields.Fr.ORDER;

/** What a valid secret key yields. */
export interface BlsKeyInfo {
  /** 48-byte compressed G1 point */
  readonly publicKey: Uint8Array;
  /** 96-byte compressed G2 signature over publicKey with BLS_POP_DST */
  readonly proofOfPossession: Uint8Array;
}

/** Reject anything but 32 bytes encoding a scalar in [1, r). */
export function checkBlsSecretKey(sk: Uint8Array, what = 'BLS secret key'): void {
  if (sk.length !== BLS_SECRET_KEY_LENGTH) {
    throw new LuxopsError('E_BLS_KEY_INVALID', `invalid ${what}: ${sk.length} bytes, expected exactly ${BLS_SECRET_KEY_LENGTH} (raw big-endian scalar)`);
  }
  let n = 0n;
  for (const b of sk) n = (n << 8n) | BigInt(b);
  if (n === 0n) throw new LuxopsError('E_BLS_KEY_INVALID', `invalid ${what}: the scalar is zero`);
  if (n >= ORDER) throw new LuxopsError('E_BLS_KEY_INVALID', `invalid ${what}: the scalar is not below the BLS12-381 group order`);
}

/** Validate the secret key and derive its public key and proof of possession. */
export function deriveBlsKey(sk: Uint8Array, what?: string): BlsKeyInfo {
  checkBlsSecretKey(sk, what);
  const sigs = bls12_381.longSignatures;
  const publicKey = sigs.getPublicKey(sk).toBytes(true);
  const proofOfPossession = sigs.sign(sigs.hash(publicKey, BLS_POP_DST), sk).toBytes(true);
  return { publicKey, proofOfPossession };
}

/** Check a proof of possession against a public key (tests and the uploader's self-check). */
export function verifyProofOfPossession(publicKey: Uint8Array, pop: Uint8Array): boolean {
  const sigs = bls12_381.longSignatures;
  return sigs.verify(pop, sigs.hash(publicKey, BLS_POP_DST), publicKey);
}

/** 0x-prefixed lowercase hex. */
export function hex0x(b: Uint8Array): string {
  return '0x' + Buffer.from(b).toString('hex');
}
