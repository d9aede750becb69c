// A luxd staking identity (TLS private key + X.509 certificate), verified before anything is
// written: the key parses as a private key, the certificate as X.509, and the key belongs to the
// certificate. Used by key-downloader (after download) and key-uploader (before sealing).
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { LuxopsError } from '../core/errors.js';
import { nodeIdFromCertDer } from './node-id.js';

/** A verified key pair and the NodeID of its certificate. */
export interface TlsIdentity {
  readonly nodeId: string;
  /** SPKI DER of the certificate's public key, to compare identities without the private key */
  readonly publicKeySpki: Buffer;
  readonly keyType: string;
  readonly notAfter: string;
}

/** Parse a certificate (PEM or DER) or fail with E_CERT_INVALID naming `what`. */
export function parseCertificate(bytes: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(bytes));
  } catch {
    throw new LuxopsError('E_CERT_INVALID', `invalid key material: ${what} is not an X.509 certificate (PEM or DER)`);
  }
}

/** Parse a private key (PEM or DER, PKCS#8/PKCS#1/SEC1) or fail with E_TLS_KEY_INVALID. */
export function parsePrivateKey(bytes: Uint8Array, what: string): KeyObject {
  const buf = Buffer.from(bytes);
  const text = buf.toString('latin1');
  try {
    if (text.includes('-----BEGIN')) return createPrivateKey({ key: buf, format: 'pem' });
    return createPrivateKey({ key: buf, format: 'der', type: 'pkcs8' });
  } catch {
    // never echo the bytes: they are (or were meant to be) a secret
    throw new LuxopsError('E_TLS_KEY_INVALID', `invalid key material: ${what} is not a private key (PEM, or PKCS#8 DER)`);
  }
}

/** The NodeID of a certificate (PEM or DER). */
export function nodeIdOfCertificate(bytes: Uint8Array, what = 'certificate'): string {
  return nodeIdFromCertDer(parseCertificate(bytes, what).raw);
}

/** Verify that `keyBytes` is the private key of certificate `certBytes`; return the identity. */
export function verifyTlsIdentity(keyBytes: Uint8Array, certBytes: Uint8Array, names: { key: string; cert: string }): TlsIdentity {
  const cert = parseCertificate(certBytes, names.cert);
  const key = parsePrivateKey(keyBytes, names.key);
  if (!cert.checkPrivateKey(key)) {
    throw new LuxopsError('E_KEY_CERT_MISMATCH', `invalid key material: ${names.key} is not the private key of ${names.cert}`);
  }
  return {
    nodeId: nodeIdFromCertDer(cert.raw),
    publicKeySpki: createPublicKey(key).export({ format: 'der', type: 'spki' }),
    keyType: key.asymmetricKeyType ?? 'unknown',
    notAfter: cert.validTo,
  };
}

/** SPKI DER of the public half of a private key (for "same key pair" checks on existing files). */
export function publicSpkiOfPrivateKey(keyBytes: Uint8Array): Buffer {
  return createPublicKey(parsePrivateKey(keyBytes, 'existing key')).export({ format: 'der', type: 'spki' });
}
