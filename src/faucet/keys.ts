// Loading the faucet's signing keys from --key-file, --keys-file (avalanche-ops YAML) or
// LUXOPS_FAUCET_KEY. Errors name the source and the entry, never the key material.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { privateKeyToAccount } from 'viem/accounts';
import type { PrivateKeyAccount } from 'viem/accounts';
import { UsageError } from '../core/errors.js';

// secp256k1 group order: a valid private key is in [1, n-1]
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Normalise one hex key to `0x` + 64 lowercase hex, or throw a UsageError naming `where`. */
export function normalizeKey(raw: string, where: string): `0x${string}` {
  const hex = raw.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`${where}: not a hex secp256k1 private key (expected 64 hex digits, 0x optional)`, 'E_BAD_KEY');
  const n = BigInt(`0x${hex}`);
  if (n === 0n || n >= SECP256K1_N) throw new UsageError(`${where}: private key is out of the secp256k1 range`, 'E_BAD_KEY');
  return `0x${hex.toLowerCase()}`;
}

/** Parse the avalanche-ops keys file: a YAML list of mappings with a `key` field. */
export function parseKeysYaml(text: string, path: string): `0x${string}`[] {
  let doc: unknown;
  try {
    // failsafe schema: every scalar stays a string (an unquoted 0x... or all-digit key would
    // otherwise become a number and lose its value)
    doc = parseYaml(text, { schema: 'failsafe' });
  } catch {
    // the YAML error text may quote the line, which may be a key: do not pass it on
    throw new UsageError(`--keys-file ${path}: not valid YAML`, 'E_BAD_KEYS_FILE');
  }
  if (!Array.isArray(doc) || doc.length === 0) throw new UsageError(`--keys-file ${path}: expected a non-empty YAML list of "- key: <hex>"`, 'E_BAD_KEYS_FILE');
  return doc.map((entry, i) => {
    const key = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).key : undefined;
    if (typeof key !== 'string') throw new UsageError(`--keys-file ${path}: entry ${i + 1} has no string "key" field`, 'E_BAD_KEYS_FILE');
    return normalizeKey(key, `--keys-file ${path} entry ${i + 1}`);
  });
}

/** True for a value that may hold a private key (a long hex run): never put such a value in a message. */
export function looksLikeKey(value: string): boolean {
  return /[0-9a-fA-F]{32,}/.test(value);
}

/** True for a value that is key-shaped as a whole (hex, `0x` optional): a key given where a path belongs. */
export function isKeyShaped(value: string): boolean {
  return /^\s*(0x)?[0-9a-fA-F]{32,}\s*$/.test(value);
}

async function readKeySource(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const shown = looksLikeKey(path) ? '(path not shown: it looks like key material)' : path;
    throw new UsageError(`--${flag} ${shown}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'E_KEY_FILE_UNREADABLE');
  }
}

export interface KeySources {
  keyFile?: string | undefined;
  keysFile?: string | undefined;
  envKey?: string | undefined;
}

/** Resolve the configured key source into viem accounts (duplicates refused: they would share a nonce). */
export async function loadAccounts(src: KeySources): Promise<PrivateKeyAccount[]> {
  const given = [src.keyFile, src.keysFile, src.envKey].filter((v) => v !== undefined && v !== '').length;
  if (given > 1) throw new UsageError('give exactly one of --key-file, --keys-file or LUXOPS_FAUCET_KEY', 'E_KEY_CONFLICT');
  let keys: `0x${string}`[];
  if (src.keyFile) keys = [normalizeKey(await readKeySource('key-file', src.keyFile), `--key-file ${src.keyFile}`)];
  else if (src.keysFile) keys = parseKeysYaml(await readKeySource('keys-file', src.keysFile), src.keysFile);
  else if (src.envKey) keys = [normalizeKey(src.envKey, 'LUXOPS_FAUCET_KEY')];
  else throw new UsageError('missing faucet key: give --key-file, --keys-file or LUXOPS_FAUCET_KEY', 'E_MISSING_KEY');
  const accounts = keys.map((k) => privateKeyToAccount(k));
  const seen = new Set<string>();
  for (const a of accounts) {
    if (seen.has(a.address)) throw new UsageError(`--keys-file: address ${a.address} appears twice`, 'E_BAD_KEYS_FILE');
    seen.add(a.address);
  }
  return accounts;
}
