// `--aliases-file`: write the `--alias` entries whose CHAIN is a blockchain ID into luxd's
// `--chain-aliases-file` before luxd starts, so the aliases exist from luxd's first request on
// (the RPC route `/ext/bc/<alias>/rpc` is registered at chain creation). Existing entries are kept;
// a name that pointed at another chain is moved. The file is replaced atomically.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { LuxopsError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { isBlockchainId } from './alias-spec.js';
import type { AliasSpec } from './alias-spec.js';

type AliasesDoc = Record<string, string[]>;

async function readAliasesFile(path: string): Promise<AliasesDoc> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new LuxopsError('E_ALIASES_FILE', `cannot read --aliases-file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  if (text.trim() === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new LuxopsError('E_ALIASES_FILE', `--aliases-file ${path} is not valid JSON; expected {"<blockchainID>": ["alias", ...]}`);
  }
  const ok = doc !== null && typeof doc === 'object' && !Array.isArray(doc) &&
    Object.values(doc).every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'));
  if (!ok) throw new LuxopsError('E_ALIASES_FILE', `--aliases-file ${path} has the wrong shape; expected {"<blockchainID>": ["alias", ...]}`);
  return doc as AliasesDoc;
}

/** Pure merge: returns the new document and whether anything changed. */
export function mergeAliases(doc: AliasesDoc, specs: readonly AliasSpec[]): { doc: AliasesDoc; changed: boolean; moved: string[] } {
  const out: AliasesDoc = {};
  for (const [id, names] of Object.entries(doc)) out[id] = [...names];
  let changed = false;
  const moved: string[] = [];
  for (const { alias, chain } of specs) {
    if (!isBlockchainId(chain)) continue;
    for (const [id, names] of Object.entries(out)) {
      if (id !== chain && names.includes(alias)) {
        out[id] = names.filter((n) => n !== alias);
        moved.push(alias);
        changed = true;
      }
    }
    const list = (out[chain] ??= []);
    if (!list.includes(alias)) {
      list.push(alias);
      changed = true;
    }
  }
  return { doc: out, changed, moved };
}

/** Merge the ID aliases into `path`; a no-op (file untouched) when nothing changes. */
export async function mergeAliasesFile(path: string, specs: readonly AliasSpec[], log: Logger): Promise<void> {
  const wanted = specs.filter((s) => isBlockchainId(s.chain));
  if (wanted.length === 0) {
    log.info({ path }, '--aliases-file: no --alias names a blockchain ID, nothing to write');
    return;
  }
  const current = await readAliasesFile(path);
  const { doc, changed, moved } = mergeAliases(current, wanted);
  if (moved.length > 0) log.warn({ path, aliases: moved }, 'aliases moved from another chain in the aliases file');
  if (!changed) {
    log.info({ path }, 'aliases file already up to date');
    return;
  }
  // luxd only reads this file; 0644 like the rest of its config, directories as the chart creates them
  await writeFileAtomic(path, JSON.stringify(doc, null, 2) + '\n', { mode: 0o644, dirMode: 0o755 });
  log.info({ path, aliases: wanted.map((s) => s.alias) }, 'aliases file updated');
}
