// Shared fixtures for the key-downloader / signer-downloader / key-uploader tests. Everything here is
// built independently of the code under test: S3 is s3rver driven by the plain SDK, data keys come
// from fake-kms over raw HTTP, zstd frames from the `zstd` CLI, envelopes are assembled byte by byte.
import { createRequire } from 'node:module';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
// @ts-expect-error plain .mjs fixture without types
import { startFakeKms } from '../fixtures/fake-kms.mjs';

const require = createRequire(import.meta.url);

export const BUCKET = 'b';
/** The published BLS12-381 min-pk known-answer pair (shared/testdata/avalanchego-local/README.md). */
export const BLS_SK = Buffer.from('263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3', 'hex');
export const BLS_PK = '0xa491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a';
export const AAD = 'lux-test-aad';
/** AWS env for every run: s3rver's default credentials, no instance metadata, a pod hostname. */
export const AWS_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  HOSTNAME: 'luxd-3',
};

export interface FakeKms {
  url: string;
  keys: Array<{ id: string; alias?: string; enabled: boolean; denied: boolean }>;
  calls: Array<{ target: string; keyId?: string; accessKeyId?: string; signedRegion?: string; status: number; error?: string }>;
  faults: { throttle: number; fail500: number; rules: Array<{ target?: string; skip?: number; count?: number; type?: string; status?: number }> };
  arnOf(id: string): string;
  close(): Promise<void>;
}

/** fake-kms with keys `test-key` (alias/test), `other-key`, `off-key` (disabled), `denied-key`. */
export async function startKms(): Promise<FakeKms> {
  return (await startFakeKms({
    keys: [
      { id: 'test-key', alias: 'alias/test' },
      { id: 'other-key' },
      { id: 'off-key', enabled: false },
      { id: 'denied-key', denied: true },
    ],
  })) as FakeKms;
}

export interface S3Fixture {
  endpoint: string;
  client: S3Client;
  put(key: string, body: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/** s3rver on 127.0.0.1 with bucket `b`, in a temp directory removed on close. */
export async function startS3(): Promise<S3Fixture> {
  const S3rver = require('s3rver') as new (o: object) => { run(): Promise<{ address: string; port: number }>; close(): Promise<void> };
  const dir = mkdtempSync(join(tmpdir(), 'kd-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    client,
    put: async (key, body) => void (await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }))),
    get: async (key) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray()),
    exists: async (key) => {
      try {
        await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One KMS JSON 1.1 call over raw HTTP (not through the code under test). */
export async function kmsCall(kmsUrl: string, op: string, body: object): Promise<{ status: number; json: Record<string, string> }> {
  const res = await fetch(`${kmsUrl}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `TrentService.${op}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=FIXTURE/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00',
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

/** A KMS data key from fake-kms over raw HTTP. */
export async function dataKeyFrom(kmsUrl: string, keyId = 'test-key'): Promise<{ plaintext: Buffer; blob: Buffer }> {
  const { status, json } = await kmsCall(kmsUrl, 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' });
  if (status !== 200) throw new Error(`fixture GenerateDataKey: ${status} ${JSON.stringify(json)}`);
  return { plaintext: Buffer.from(json.Plaintext!, 'base64'), blob: Buffer.from(json.CiphertextBlob!, 'base64') };
}

/** Open an envelope entirely outside the code under test: raw KMS Decrypt, node:crypto GCM, zstd CLI. */
export async function openIndependently(kmsUrl: string, envelope: Buffer, aad = AAD): Promise<Buffer> {
  const n = envelope[2]! | (envelope[3]! << 8);
  const { status, json } = await kmsCall(kmsUrl, 'Decrypt', { CiphertextBlob: envelope.subarray(16, 16 + n).toString('base64') });
  if (status !== 200) throw new Error(`fixture Decrypt: ${status} ${JSON.stringify(json)}`);
  return unzstdCli(openEnvelopeBytes(envelope, Buffer.from(json.Plaintext!, 'base64'), aad));
}

/** zstd frame from the zstd command-line tool. */
export function zstdCli(data: Uint8Array): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-19'], { input: data });
}

/** zstd -d with the command-line tool. */
export function unzstdCli(frame: Uint8Array): Buffer {
  return execFileSync('zstd', ['-d', '-q', '-c'], { input: frame });
}

/** The avalanche-ops envelope, assembled byte by byte. */
export function envelopeBytes(frame: Uint8Array, dataKey: Uint8Array, blob: Uint8Array, aad: string, nonce: Buffer = randomBytes(12)): Buffer {
  const c = createCipheriv('aes-256-gcm', dataKey, nonce);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(frame), c.final(), c.getAuthTag()]);
  const out = Buffer.alloc(2 + 2 + 12 + blob.length + ct.length);
  out[0] = 12 & 0xff;
  out[1] = 12 >> 8;
  out[2] = blob.length & 0xff;
  out[3] = blob.length >> 8;
  nonce.copy(out, 4);
  Buffer.from(blob).copy(out, 16);
  ct.copy(out, 16 + blob.length);
  return out;
}

/** Open an envelope byte by byte (to check what key-uploader wrote), given the data key. */
export function openEnvelopeBytes(env: Buffer, dataKey: Uint8Array, aad: string): Buffer {
  const n = env[2]! | (env[3]! << 8);
  const nonce = env.subarray(4, 16);
  const ct = env.subarray(16 + n, env.length - 16);
  const d = createDecipheriv('aes-256-gcm', dataKey, nonce);
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(env.subarray(env.length - 16));
  return Buffer.concat([d.update(ct), d.final()]);
}

/** Sealed object for `plaintext`: zstd CLI, fresh data key from fake-kms, byte-built envelope. */
export async function sealedFixture(kmsUrl: string, plaintext: Uint8Array, opts: { keyId?: string; aad?: string } = {}): Promise<Buffer> {
  const dk = await dataKeyFrom(kmsUrl, opts.keyId ?? 'test-key');
  return envelopeBytes(zstdCli(plaintext), dk.plaintext, dk.blob, opts.aad ?? AAD);
}

export interface TlsPair {
  key: Buffer;
  cert: Buffer;
}

/** A fresh self-signed staking-style key pair from the openssl CLI (EC P-256 or RSA 2048). */
export function opensslPair(kind: 'ec' | 'rsa' = 'ec'): TlsPair {
  const dir = mkdtempSync(join(tmpdir(), 'kd-tls-'));
  try {
    const newkey = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
    execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=luxd-test', '-days', '2'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** NodeID of a PEM certificate computed by the openssl CLI + a from-scratch CB58 (independent path). */
export function nodeIdViaOpenssl(certPem: Buffer): string {
  const der = execFileSync('openssl', ['x509', '-outform', 'DER'], { input: certPem });
  const sha = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  const rmd = execFileSync('openssl', ['dgst', '-ripemd160', '-binary'], { input: sha });
  const sum = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: rmd });
  return `NodeID-${base58(Buffer.concat([rmd, sum.subarray(28)]))}`;
}

function base58(b: Buffer): string {
  const A = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = BigInt(`0x${b.toString('hex') || '0'}`);
  let s = '';
  while (n > 0n) {
    s = A[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (const byte of b) {
    if (byte !== 0) break;
    s = `1${s}`;
  }
  return s;
}

/** A fresh temp dir for outputs (caller removes it). */
export function tempDir(prefix = 'kd-out-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every entry under `dir`, recursively (to assert no file and no temp file was left). */
export function listAll(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

/** The flags every envelope command takes, pointed at the fixtures. */
export function awsArgs(s3: S3Fixture, kms: FakeKms, extra: Record<string, string> = {}): string[] {
  const flags: Record<string, string> = {
    's3-region': 'us-east-1',
    's3-bucket': BUCKET,
    's3-endpoint': s3.endpoint,
    'kms-region': 'us-east-1',
    'kms-key-id': 'test-key',
    'kms-endpoint': kms.url,
    'aad-tag': AAD,
    retries: '2',
    'retry-max-time': '5s',
    'request-timeout': '5s',
    ...extra,
  };
  return Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]);
}
