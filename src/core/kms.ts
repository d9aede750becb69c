// The two KMS calls the envelope needs: Decrypt (recover a data key, KeyId pinned to --kms-key-id,
// SYMMETRIC_DEFAULT, no encryption context — as avalanche-ops seals) and GenerateDataKey (AES_256)
// for sealing. SDK errors become stable codes; throttling, 5xx and timeouts retry within the budget.
import { KMSClient, DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { LuxopsError, isAbortError } from './errors.js';
import { awsClientConfig, awsErrorFacts, awsRetried, isAwsTransient } from './aws-client.js';
import type { AwsClientOptions, AwsRetryPolicy } from './aws-client.js';

/** A KMS client for `--kms-region`/`--kms-endpoint`. */
export function createKms(o: AwsClientOptions): KMSClient {
  return new KMSClient(awsClientConfig(o));
}

/** Map a KMS SDK error for `action` with key `keyId` to a LuxopsError. */
export function mapKmsError(e: unknown, action: 'kms:Decrypt' | 'kms:GenerateDataKey', keyId: string): LuxopsError {
  if (e instanceof LuxopsError || isAbortError(e)) return e as LuxopsError;
  const f = awsErrorFacts(e);
  const details = { kmsKeyId: keyId, awsError: f.name, status: f.status };
  const k = JSON.stringify(keyId);
  switch (f.name) {
    case 'AccessDeniedException':
      return new LuxopsError('E_KMS_ACCESS_DENIED', `KMS access denied: the pod's AWS principal may not ${action} with key ${k}`, { cause: e, details });
    case 'DisabledException':
      return new LuxopsError('E_KMS_KEY_DISABLED', `KMS key ${k} is disabled (${action})`, { cause: e, details });
    case 'KMSInvalidStateException':
      return new LuxopsError('E_KMS_KEY_DISABLED', `KMS key ${k} is not usable in its current state (${action}): ${f.message}`, { cause: e, details });
    case 'NotFoundException':
      return new LuxopsError('E_KMS_KEY_NOT_FOUND', `KMS key ${k} not found (${action}); check --kms-key-id and --kms-region`, { cause: e, details });
    case 'IncorrectKeyException':
      return new LuxopsError('E_KMS_INCORRECT_KEY', `KMS ${action}: the object's data key was not encrypted under key ${k} (wrong --kms-key-id?)`, { cause: e, details });
    case 'InvalidCiphertextException':
      return new LuxopsError('E_KMS_INVALID_CIPHERTEXT', `KMS ${action} rejected the object's encrypted data key as invalid (wrong --kms-key-id, or corrupted object)`, { cause: e, details });
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'MissingAuthenticationTokenException':
    case 'ExpiredTokenException':
      return new LuxopsError('E_KMS_ACCESS_DENIED', `KMS rejected the pod's AWS credentials for ${action} (${f.name})`, { cause: e, details });
    default:
      break;
  }
  if (f.status === 403) return new LuxopsError('E_KMS_ACCESS_DENIED', `KMS access denied: the pod's AWS principal may not ${action} with key ${k} (${f.name})`, { cause: e, details });
  if (isAwsTransient(e)) {
    return new LuxopsError('E_KMS_UNAVAILABLE', `KMS unavailable for ${action}: ${f.name}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`, { cause: e, details });
  }
  return new LuxopsError('E_KMS_FAILED', `KMS ${action} with key ${k} failed: ${f.name}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`, { cause: e, details });
}

function retried<T>(fn: () => Promise<T>, p: AwsRetryPolicy, action: 'kms:Decrypt' | 'kms:GenerateDataKey', keyId: string): Promise<T> {
  return awsRetried(fn, p, { code: 'E_KMS_RETRY', action, fields: { kmsKeyId: keyId } }, (e) => mapKmsError(e, action, keyId));
}

export async function kmsDecryptDataKey(kms: KMSClient, keyId: string, blob: Uint8Array, p: AwsRetryPolicy): Promise<Uint8Array> {
  return retried(async () => {
    const out = await kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: blob, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }), { abortSignal: p.signal });
    if (!out.Plaintext) throw new LuxopsError('E_KMS_FAILED', `KMS Decrypt with key ${JSON.stringify(keyId)} returned no plaintext`);
    return out.Plaintext;
  }, p, 'kms:Decrypt', keyId);
}

/** A fresh AES-256 data key: the plaintext (use, then drop) and its CiphertextBlob (goes in the envelope). */
export async function kmsGenerateDataKey(kms: KMSClient, keyId: string, p: AwsRetryPolicy): Promise<{ plaintext: Uint8Array; ciphertextBlob: Uint8Array; keyArn: string | undefined }> {
  return retried(async () => {
    const out = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }), { abortSignal: p.signal });
    if (!out.Plaintext || !out.CiphertextBlob) throw new LuxopsError('E_KMS_FAILED', `KMS GenerateDataKey with key ${JSON.stringify(keyId)} returned no data key`);
    return { plaintext: out.Plaintext, ciphertextBlob: out.CiphertextBlob, keyArn: out.KeyId };
  }, p, 'kms:GenerateDataKey', keyId);
}
