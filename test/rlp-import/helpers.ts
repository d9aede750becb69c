// Shared pieces of the rlp-import / restore-snapshot tests: typed handles on the .mjs stand-ins
// (fault-injecting file server, fake luxd), s3rver, temp dirs, and an in-process `main` runner.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
// @ts-expect-error plain .mjs fixture without types
import { startFaultServer as startFaultServerJs } from '../fixtures/fault-server.mjs';
// @ts-expect-error plain .mjs fixture without types
import { startFakeLuxd as startFakeLuxdJs } from '../fixtures/fake-luxd.mjs';
import { captureDeps } from '../helpers/deps.js';
import type { CapturedDeps } from '../helpers/deps.js';
import type { Command } from '../../src/core/command.js';

export interface Faults {
  dropAfter?: Record<string, number>;
  dropTimes?: number;
  fail503?: Record<string, number>;
  ignoreRange?: boolean | string[];
  lieLength?: Record<string, number>;
  noLength?: boolean | string[];
  throttleBps?: number;
  stallAfter?: Record<string, number>;
  stallTimes?: number;
  shiftRange?: Record<string, number>;
  shiftTimes?: number;
  corrupt?: Record<string, number>;
  corruptTimes?: number;
  changingEtag?: boolean | string[];
  changeAfter?: Record<string, number>;
  closeAfterBody?: boolean | string[];
}
export interface ServedRequest {
  method: string;
  name: string;
  range: string | null;
  status: number;
  sent: number;
}
export interface FaultServer {
  port: number;
  url: string;
  requests: ServedRequest[];
  setFaults(f: Faults): void;
  close(): Promise<void>;
}

/** The fault-injecting file server on 127.0.0.1 (see test/fixtures/fault-server.mjs). */
export function startFaultServer(opts: { files?: Record<string, Uint8Array>; dir?: string; faults?: Faults; tls?: { key: string; cert: string } }): Promise<FaultServer> {
  return startFaultServerJs(opts) as Promise<FaultServer>;
}

export interface FakeLuxd {
  port: number;
  url: string;
  state: { height: number; imports: Array<{ path: string; ok: boolean; error?: string; blocks: number }>; calls: Array<{ method: string }> };
  close(): Promise<void>;
}

/** fake-luxd in-process on a free port. */
export function startFakeLuxd(opts: Record<string, unknown> = {}): Promise<FakeLuxd> {
  return startFakeLuxdJs({ httpPort: 0, ...opts }) as Promise<FakeLuxd>;
}

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run a command's main in-process with captured output. */
export async function runMain(cmd: Command, argv: string[], env: Record<string, string> = {}): Promise<{ code: number; deps: CapturedDeps }> {
  const deps = captureDeps();
  const code = await cmd.main(argv, env, deps);
  return { code, deps };
}

/** The log line (pino JSON) carrying `code`, if any. */
export function errorLine(deps: CapturedDeps, code: string): Record<string, unknown> | undefined {
  return deps.logs().find((l) => l.code === code);
}

export const S3_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** s3rver with one bucket; `put` uploads with the plain SDK. */
export async function startS3(bucket: string): Promise<{ endpoint: string; put(key: string, body: Uint8Array): Promise<void>; close(): Promise<void> }> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as new (o: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  const { dir, cleanup } = tempDir('rlp-s3rver');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async close() {
      client.destroy();
      await server.close();
      cleanup();
    },
  };
}
