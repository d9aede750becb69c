// key-downloader: fetch a validator's TLS staking identity from S3 (KMS envelope as avalanche-ops
// seals it), verify it, and put it where luxd reads it — idempotently, since init containers rerun.
import { defineCommand } from '../core/command.js';
import { LuxopsError, UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { expandKeyTemplate } from '../core/key-template.js';
import { createEnvelopeContext, destroyEnvelopeContext, fetchPlaintext } from '../core/sealed-object.js';
import { planIdentityWrite, applyWritePlan, assertDistinctPaths } from '../core/identity-files.js';
import type { IdentityFile } from '../core/identity-files.js';
import { keyDownloaderOptions } from './options.js';
import type { KeyDownloaderConfig } from './options.js';
import { verifyTlsIdentity, publicSpkiOfPrivateKey, nodeIdOfCertificate } from './tls-identity.js';
import { isValidNodeId } from './node-id.js';

function s3Keys(c: KeyDownloaderConfig, env: Readonly<Record<string, string | undefined>>): { key: string; cert: string } {
  return { key: expandKeyTemplate(c.s3KeyTlsKey, 's3-key-tls-key', env), cert: expandKeyTemplate(c.s3KeyTlsCert, 's3-key-tls-cert', env) };
}

/** Fetch, verify and install the TLS staking key and certificate. */
export const keyDownloaderCommand = defineCommand({
  name: 'key-downloader',
  summary: 'Download the TLS staking key + certificate from S3 (KMS envelope), verify the NodeID, write them safely',
  options: keyDownloaderOptions,
  helpExtra: [
    'Example (StatefulSet init container, pod luxd-3):',
    '  luxops key-downloader --s3-region us-west-2 --s3-bucket lux-keys --kms-key-id alias/lux-staking --aad-tag lux \\',
    '    --s3-key-tls-key "mainnet/staking/{ordinal}/staker.key.zstd.encrypted" \\',
    '    --s3-key-tls-cert "mainnet/staking/{ordinal}/staker.crt.zstd.encrypted" \\',
    '    --tls-key-path /data/staking/staker.key --tls-cert-path /data/staking/staker.crt',
    'Exit codes: 0 written or already in place, 1 download/decrypt/verification failure, 2 usage error.',
  ].join('\n'),
  validate({ config: c }, env) {
    if (c.expectNodeId !== undefined && !isValidNodeId(c.expectNodeId)) {
      throw new UsageError(`invalid value for --expect-node-id: ${JSON.stringify(c.expectNodeId)}, expected NodeID-<cb58> (e.g. NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg)`, 'E_BAD_OPTION');
    }
    // compared after resolving directory symlinks: `b/staker.key` and `blink/staker.key` are one file
    assertDistinctPaths([['tls-key-path', c.tlsKeyPath], ['tls-cert-path', c.tlsCertPath], ['node-id-path', c.nodeIdPath]]);
    s3Keys(c, env);
  },
  describe: ({ config: c }, env) => ({ s3Keys: s3Keys(c, env) }),
  async run({ config: c, env, deps, log }) {
    const keys = s3Keys(c, env);
    const ctx = createEnvelopeContext(c, env, log, deps.signal);
    let keyBytes: Buffer;
    let certBytes: Buffer;
    try {
      keyBytes = await fetchPlaintext(ctx, keys.key);
      certBytes = await fetchPlaintext(ctx, keys.cert);
    } finally {
      destroyEnvelopeContext(ctx);
    }
    try {
      const id = verifyTlsIdentity(keyBytes, certBytes, { key: `s3://${c.s3Bucket}/${keys.key}`, cert: `s3://${c.s3Bucket}/${keys.cert}` });
      log.info({ nodeId: id.nodeId, keyType: id.keyType, notAfter: id.notAfter }, 'verified TLS staking identity');
      if (c.expectNodeId !== undefined && c.expectNodeId !== id.nodeId) {
        throw new LuxopsError('E_NODE_ID_MISMATCH', `NodeID mismatch: the certificate is ${id.nodeId}, --expect-node-id is ${c.expectNodeId}; nothing written`, { details: { nodeId: id.nodeId, expected: c.expectNodeId } });
      }
      const files: IdentityFile[] = [
        { label: 'TLS key', path: c.tlsKeyPath, data: keyBytes, mode: 0o600, same: (b) => publicSpkiOfPrivateKey(b).equals(id.publicKeySpki) },
        { label: 'TLS certificate', path: c.tlsCertPath, data: certBytes, mode: 0o644, same: (b) => nodeIdOfCertificate(b) === id.nodeId },
      ];
      if (c.nodeIdPath) files.push({ label: 'NodeID file', path: c.nodeIdPath, data: id.nodeId, mode: 0o644, derived: true, same: (b) => b.toString('utf8').trim() === id.nodeId });
      const plan = await planIdentityWrite(files);
      const wrote = await applyWritePlan(plan, { overwrite: c.overwrite, log, identity: id.nodeId});
      deps.stdout.write(`${id.nodeId}\n`);
      log.info({ nodeId: id.nodeId, written: wrote }, wrote.length === 0 ? 'identity already in place, nothing written' : 'identity written');
      return EXIT.OK;
    } finally {
      keyBytes.fill(0);
    }
  },
});
