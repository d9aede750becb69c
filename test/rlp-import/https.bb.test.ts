// Part downloads over HTTPS: the bulk reader (src/objects/raw-get.ts) speaks TLS itself, so this
// runs both built executables against the fault server in HTTPS mode, with a certificate made here
// by openssl and trusted through NODE_EXTRA_CA_CERTS (as an operator with a private CA would).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_VARIANTS, runBin, jsonLines } from '../helpers/run-bin.js';
import { buildChain, splitBytes, sha256hex } from './rlp-fixture.js';
import { startFaultServer, tempDir } from './helpers.js';
import type { FaultServer } from './helpers.js';

const CHAIN = buildChain(1, 6_000);
const PARTS = splitBytes(CHAIN, 300_000);
const files: Record<string, Uint8Array> = {};
for (const { part, data } of PARTS) files[`tls.rlp.${part}`] = data;

const pki = tempDir('tls-');
const CERT = join(pki.dir, 'cert.pem');
let srv: FaultServer;
before(async () => {
  const key = join(pki.dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', CERT, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  srv = await startFaultServer({ files, tls: { key: readFileSync(key, 'utf8'), cert: readFileSync(CERT, 'utf8') } });
});
after(async () => {
  await srv.close();
  pki.cleanup();
});

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };

for (const v of BIN_VARIANTS) {
  test(`${v.name}: https parts with a dropped connection resume over TLS; the file is byte-exact`, { skip: !existsSync(v.pre[0] ?? v.file) }, async () => {
    srv.requests.length = 0;
    srv.setFaults({ dropAfter: { 'tls.rlp.ab': 120_000 } });
    const out = tempDir('tls-out-');
    try {
      const r = await runBin(v.file, [...v.pre, 'rlp-import', '--base-url', srv.url, '--file', 'tls.rlp', '--parts', 'auto', '--dest-dir', out.dir, '--download-only', '--sha256', sha256hex(CHAIN)], {
        env: { ...ENV, NODE_EXTRA_CA_CERTS: CERT },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(readFileSync(join(out.dir, 'tls.rlp')).equals(CHAIN));
      const ranged = srv.requests.filter((q) => q.method === 'GET' && q.name === 'tls.rlp.ab' && q.range !== null);
      assert.equal(ranged.length, 1, 'part ab resumed once with a Range request');
      assert.ok(jsonLines(r.stderr).some((l) => l.msg === 'part download failed; retrying'));
    } finally {
      out.cleanup();
    }
  });
}

test('an untrusted certificate fails the download with the TLS error, exit 1', { skip: !existsSync(BIN_VARIANTS[1].file) }, async () => {
  srv.setFaults({});
  const out = tempDir('tls-untrusted-');
  try {
    const r = await runBin(BIN_VARIANTS[1].file, ['rlp-import', '--base-url', srv.url, '--file', 'tls.rlp', '--parts', 'aa', '--dest-dir', out.dir, '--download-only', '--retries', '0'], { env: ENV, timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /self[- ]signed|unable to verify|UNABLE_TO_VERIFY|DEPTH_ZERO_SELF_SIGNED/i);
  } finally {
    out.cleanup();
  }
});
