// The PoW HMAC key: --pow-key-file or LUXOPS_FAUCET_POW_KEY (hex of >= 32 digits is decoded, anything
// else is used as bytes), at least 16 bytes. Without either, a random key per process: challenges
// then do not survive a restart, and replicas behind one load balancer must share a key. Errors
// name the source, never the key.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';

function decode(raw: Buffer, where: string): Buffer {
  const text = raw.toString('utf8').trim();
  const key = /^(0x)?([0-9a-fA-F]{32,})$/.test(text) && text.replace(/^0x/, '').length % 2 === 0 ? Buffer.from(text.replace(/^0x/, ''), 'hex') : Buffer.from(text, 'utf8');
  if (key.length < 16) throw new UsageError(`${where}: the PoW key must be at least 16 bytes (e.g. \`openssl rand -hex 32\`)`, 'E_BAD_POW_KEY');
  return key;
}

/** The key and where it came from ('random' when none was configured). */
export async function loadPowKey(file: string | undefined, env: string | undefined): Promise<{ key: Buffer; source: 'file' | 'env' | 'random' }> {
  if (file && env) throw new UsageError('give one of --pow-key-file or LUXOPS_FAUCET_POW_KEY, not both', 'E_BAD_POW_KEY');
  if (file) {
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch (e) {
      throw new UsageError(`--pow-key-file ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'E_BAD_POW_KEY');
    }
    return { key: decode(raw, `--pow-key-file ${file}`), source: 'file' };
  }
  if (env) return { key: decode(Buffer.from(env, 'utf8'), 'LUXOPS_FAUCET_POW_KEY'), source: 'env' };
  return { key: randomBytes(32), source: 'random' };
}
