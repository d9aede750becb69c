// `--alias NAME=CHAIN`: parsing and the blockchain-ID test. Kept apart from applying them
// (aliases.ts) so flag validation does not load the HTTP client before luxd is spawned.
import { UsageError } from '../core/errors.js';

/** One `--alias`. */
export interface AliasSpec {
  readonly alias: string;
  readonly chain: string;
}

// luxd rejects longer aliases with "alias length is too long"
const MAX_ALIAS_LENGTH = 512;
// CB58 blockchain IDs (base58, ~50 chars; the P-chain's is 37); short names like C are aliases
const BLOCKCHAIN_ID = /^[1-9A-HJ-NP-Za-km-z]{32,64}$/;

/** True when CHAIN looks like a blockchain ID rather than an alias (only IDs go into the aliases file). */
export function isBlockchainId(chain: string): boolean {
  return BLOCKCHAIN_ID.test(chain);
}

/** Parse the `--alias` list; throws UsageError naming the bad entry. */
export function parseAliases(list: readonly string[]): AliasSpec[] {
  return list.map((raw) => {
    const eq = raw.indexOf('=');
    const alias = eq === -1 ? '' : raw.slice(0, eq).trim();
    const chain = eq === -1 ? '' : raw.slice(eq + 1).trim();
    if (!alias || !chain || /\s/.test(alias) || /\s/.test(chain)) {
      throw new UsageError(`invalid value for --alias: ${JSON.stringify(raw)}, expected NAME=CHAIN (CHAIN a blockchain ID or an alias such as C)`, 'E_BAD_ALIAS');
    }
    if (alias.length > MAX_ALIAS_LENGTH) throw new UsageError(`invalid value for --alias: alias ${JSON.stringify(alias.slice(0, 32))}... is longer than ${MAX_ALIAS_LENGTH} characters`, 'E_BAD_ALIAS');
    return { alias, chain };
  });
}
