// The avalanche-ops envelope (aws-manager `kms/envelope`), byte for byte:
//   u16le nonce length (12) | u16le N | 12-byte nonce | N-byte KMS CiphertextBlob | AES-256-GCM ciphertext ‖ 16-byte tag
// The GCM key is a KMS data key; the AAD is the UTF-8 `--aad-tag`. Parsing never throws anything but
// a LuxopsError with its own code, so a truncated or foreign object is one clear line, not a stack.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LuxopsError } from './errors.js';

export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
export const HEADER_LENGTH = 4 + NONCE_LENGTH;
const MAX_BLOB = 0xffff;

/** The three parts of a parsed envelope (views into the input, nothing copied). */
export interface EnvelopeParts {
  readonly nonce: Uint8Array;
  /** the KMS CiphertextBlob that wraps the data key */
  readonly encryptedDataKey: Uint8Array;
  /** AES-GCM ciphertext followed by the 16-byte tag */
  readonly sealed: Uint8Array;
}

/** Split an envelope into its fields; rejects wrong nonce length, oversize N and truncation. */
export function parseEnvelope(bytes: Uint8Array, what = 'object'): EnvelopeParts {
  if (bytes.length < 4) {
    throw new LuxopsError('E_ENVELOPE_TOO_SHORT', `malformed envelope in ${what}: ${bytes.length} bytes is shorter than the 4-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nonceLength = view.getUint16(0, true);
  const blobLength = view.getUint16(2, true);
  if (nonceLength !== NONCE_LENGTH) {
    throw new LuxopsError('E_ENVELOPE_NONCE_LENGTH', `malformed envelope in ${what}: nonce length ${nonceLength}, expected ${NONCE_LENGTH} (not a *.zstd.encrypted object?)`);
  }
  if (blobLength === 0 || HEADER_LENGTH + blobLength > bytes.length) {
    throw new LuxopsError('E_ENVELOPE_KEY_LENGTH', `malformed envelope in ${what}: encrypted data key length ${blobLength} does not fit in ${bytes.length} bytes`);
  }
  if (bytes.length < HEADER_LENGTH + blobLength + TAG_LENGTH) {
    throw new LuxopsError('E_ENVELOPE_TOO_SHORT', `malformed envelope in ${what}: ${bytes.length} bytes is shorter than header, data key and the ${TAG_LENGTH}-byte GCM tag (${HEADER_LENGTH + blobLength + TAG_LENGTH})`);
  }
  return {
    nonce: bytes.subarray(4, HEADER_LENGTH),
    encryptedDataKey: bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + blobLength),
    sealed: bytes.subarray(HEADER_LENGTH + blobLength),
  };
}

/** AES-256-GCM-decrypt the sealed part with the recovered data key; a bad tag is E_ENVELOPE_AUTH. */
export function openEnvelope(parts: EnvelopeParts, dataKey: Uint8Array, aadTag: string, what = 'object'): Buffer {
  if (dataKey.length !== 32) {
    throw new LuxopsError('E_KMS_DATA_KEY', `KMS returned a ${dataKey.length}-byte data key for ${what}, expected 32 (AES-256)`);
  }
  const body = parts.sealed.subarray(0, parts.sealed.length - TAG_LENGTH);
  const tag = parts.sealed.subarray(parts.sealed.length - TAG_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, parts.nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(Buffer.from(aadTag, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new LuxopsError('E_ENVELOPE_AUTH', `cannot decrypt ${what}: GCM authentication failed (wrong --aad-tag, wrong KMS key, or corrupted object)`);
  }
}

/** Seal `plaintext` into an envelope with a data key (plaintext + its KMS CiphertextBlob). */
export function sealEnvelope(plaintext: Uint8Array, dataKey: Uint8Array, encryptedDataKey: Uint8Array, aadTag: string, nonce: Uint8Array = randomBytes(NONCE_LENGTH)): Buffer {
  if (dataKey.length !== 32) throw new LuxopsError('E_KMS_DATA_KEY', `data key is ${dataKey.length} bytes, expected 32 (AES-256)`);
  if (nonce.length !== NONCE_LENGTH) throw new LuxopsError('E_ENVELOPE_NONCE_LENGTH', `nonce is ${nonce.length} bytes, expected ${NONCE_LENGTH}`);
  if (encryptedDataKey.length === 0 || encryptedDataKey.length > MAX_BLOB) {
    throw new LuxopsError('E_ENVELOPE_KEY_LENGTH', `KMS CiphertextBlob of ${encryptedDataKey.length} bytes does not fit the u16 length field`);
  }
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(aadTag, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(4);
  header.writeUInt16LE(NONCE_LENGTH, 0);
  header.writeUInt16LE(encryptedDataKey.length, 2);
  return Buffer.concat([header, nonce, encryptedDataKey, body, cipher.getAuthTag()]);
}
