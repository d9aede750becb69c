// Pieces of the snapshot tests: an HTTP object store that takes PUTs and serves GETs (what a
// WebDAV/nginx upload target does), a data dir fixture with every kind of entry, and a tree
// fingerprint (content, mode, link target) for byte-for-byte comparisons.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PutStore {
  url: string;
  objects: Map<string, Buffer>;
  requests: Array<{ method: string; path: string; status: number; headers: http.IncomingHttpHeaders }>;
  /** answer PUTs of paths matching with this status (after reading `readBytes` of the body) */
  refuse(match: RegExp | undefined, status?: number, opts?: { readBytes?: number; destroy?: boolean }): void;
  close(): Promise<void>;
}

export async function startPutStore(): Promise<PutStore> {
  const objects = new Map<string, Buffer>();
  const requests: PutStore['requests'] = [];
  let refusal: { match: RegExp; status: number; readBytes: number; destroy: boolean } | undefined;
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const log = (status: number) => requests.push({ method: req.method ?? '', path, status, headers: req.headers });
    if (req.method === 'GET' || req.method === 'HEAD') {
      const b = objects.get(path);
      log(b ? 200 : 404);
      if (!b) return res.writeHead(404).end('not found\n');
      res.writeHead(200, { 'content-length': b.length, 'accept-ranges': 'none' });
      return res.end(req.method === 'GET' ? b : undefined);
    }
    if (req.method !== 'PUT') {
      log(405);
      return res.writeHead(405).end();
    }
    const r = refusal && refusal.match.test(path) ? refusal : undefined;
    if (r && r.readBytes === 0 && !r.destroy) {
      // a refusal before any body byte (the client sent Expect: 100-continue)
      log(r.status);
      return res.writeHead(r.status, { connection: 'close' }).end('upload refused\n');
    }
    const chunks: Buffer[] = [];
    let n = 0;
    let answered = false;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (r && n >= r.readBytes && !answered) {
        answered = true;
        log(r.status);
        if (r.destroy) req.socket.destroy();
        else res.writeHead(r.status, { connection: 'close' }).end('too much\n');
      }
    });
    req.on('end', () => {
      if (r) return;
      objects.set(path, Buffer.concat(chunks));
      log(201);
      res.writeHead(201, { etag: '"etag-1"' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    requests,
    refuse(match, status = 403, o = {}) {
      refusal = match ? { match, status, readBytes: o.readBytes ?? 0, destroy: o.destroy ?? false } : undefined;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A data dir like a stopped luxd's: nested dirs, modes, empty dir and file, links, long and unicode names, keys. */
export function makeDataDir(root: string, bigBytes = 3 << 20): string {
  const d = join(root, 'data');
  const c = join(d, 'chainData', 'network-1', '2ZKbwERx36B5WrYesQGAeTV4NTo4dx6j8pJp2PG8Gj8AqdCnJM');
  mkdirSync(join(c, 'db', 'ancient'), { recursive: true });
  mkdirSync(join(d, 'db', 'mainnet', 'v1.4.5'), { recursive: true });
  mkdirSync(join(d, 'empty-dir'), { recursive: true });
  mkdirSync(join(d, 'staking'), { recursive: true });
  writeFileSync(join(c, 'db', '000001.ldb'), randomBytes(bigBytes));
  writeFileSync(join(c, 'db', 'CURRENT'), 'MANIFEST-000002\n');
  writeFileSync(join(c, 'db', 'LOCK'), '');
  writeFileSync(join(c, 'db', 'ancient', 'x'.repeat(120) + '.cdat'), 'long name');
  writeFileSync(join(d, 'db', 'mainnet', 'v1.4.5', 'LOCK'), '');
  writeFileSync(join(d, 'db', 'mainnet', 'v1.4.5', 'blöck-ü.log'), 'unicode name');
  writeFileSync(join(d, 'empty-file'), '');
  writeFileSync(join(d, 'private.bin'), 'mode 0600');
  chmodSync(join(d, 'private.bin'), 0o600);
  writeFileSync(join(d, 'tool.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(d, 'tool.sh'), 0o750);
  chmodSync(join(d, 'empty-dir'), 0o750);
  symlinkSync('chainData/network-1', join(d, 'current'));
  symlinkSync('../../../db/mainnet', join(c, 'db', 'ancient', 'up'));
  symlinkSync('does-not-exist', join(d, 'dangling'));
  writeFileSync(join(d, 'staking', 'staker.key'), 'SECRET KEY');
  writeFileSync(join(d, 'staking', 'staker.crt'), 'cert');
  writeFileSync(join(d, 'signer.key'), 'SECRET BLS');
  return d;
}

/** Every path under `dir` -> type, mode and content hash (or link target). */
export function tree(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
    if (skip(rel)) continue;
    const p = join(dir, rel);
    const st = lstatSync(p);
    const mode = (st.mode & 0o777).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(p)}`;
    else if (st.isDirectory()) out[rel] = `dir ${mode}`;
    else out[rel] = `file ${mode} ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
  }
  return out;
}

/** The hex digest in a sha256sum-format line. */
export function sumOf(text: string): string {
  const m = /^([0-9a-f]{64})  (\S+)\n$/.exec(text);
  if (!m) throw new Error(`not a sha256sum line: ${JSON.stringify(text)}`);
  return m[1]!;
}
