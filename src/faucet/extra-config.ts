// Turning the page and protection flags (options-extra.ts) into start settings, with one usage
// error naming the flag for every combination that cannot work. Pure except for loading the PoW key.
import { UsageError } from '../core/errors.js';
import type { FaucetConfig } from './options.js';
import { parseLimit, parseTokens } from './values.js';
import { parseTokenSpec } from './erc20.js';
import type { TokenSpec } from './erc20.js';
import type { GuardSettings } from './guards.js';
import type { PageIdentity } from './start.js';
import { loadPowKey } from './pow-key.js';

/** The explorer link template: {hash} kept, or /tx/{hash} appended to a base URL. */
export function explorerTemplate(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  return raw.includes('{hash}') ? raw : `${raw.replace(/\/+$/, '')}/tx/{hash}`;
}

export interface ExtraSettings {
  page: PageIdentity;
  guards: GuardSettings;
  token?: (TokenSpec & { defaultAmount: string }) | undefined;
}

/** Check the flags (no I/O): throws UsageError naming the flag. */
export function validateExtra(c: FaucetConfig, powKeyFromFlag: boolean): void {
  if (powKeyFromFlag) throw new UsageError('the PoW key must not be given on the command line: use LUXOPS_FAUCET_POW_KEY or --pow-key-file', 'E_KEY_ON_COMMAND_LINE');
  const amountWei = parseTokens('amount', c.amount, c.token !== undefined);
  if (c.token !== undefined) {
    const spec = parseTokenSpec(c.token);
    if (spec.amount === undefined && amountWei === 0n) throw new UsageError('--token without :AMOUNT takes --amount, which is 0: give --token ADDRESS:AMOUNT', 'E_BAD_TOKEN');
  }
  if (c.dailyBudget !== undefined) {
    const budget = parseTokens('daily-budget', c.dailyBudget, false);
    if (amountWei === 0n) throw new UsageError('--daily-budget counts the native coin and --amount is 0 (token-only drips): drop one of them', 'E_USAGE');
    if (budget < amountWei) throw new UsageError(`--daily-budget ${c.dailyBudget} is smaller than one drip (--amount ${c.amount})`, 'E_USAGE');
  }
  if (c.powDifficulty === 0) {
    for (const [flag, set] of [['pow-key-file', c.powKeyFile], ['pow-max-difficulty', c.powMaxDifficulty]] as const) {
      if (set !== undefined) throw new UsageError(`--${flag} needs --pow-difficulty BITS above 0`, 'E_USAGE');
    }
  }
  if (c.powMaxDifficulty !== undefined && c.powMaxDifficulty < c.powDifficulty) throw new UsageError(`--pow-max-difficulty ${c.powMaxDifficulty} is below --pow-difficulty ${c.powDifficulty}`, 'E_USAGE');
  parseLimit('pow-target-rate', c.powTargetRate);
  if (c.rpcPublicUrl !== undefined) {
    const u = new URL(c.rpcPublicUrl);
    if (u.username || u.password) throw new UsageError('--rpc-public-url is shown to every visitor: it must not carry credentials', 'E_USAGE');
  }
  for (const [flag, v] of [['title', c.title], ['network-name', c.networkName], ['token-symbol', c.tokenSymbol]] as const) {
    if (v !== undefined && (v.trim() === '' || v.length > 80)) throw new UsageError(`invalid value for --${flag}: expected 1 to 80 characters`, 'E_USAGE');
  }
}

/** Resolve the settings; loads the PoW key (file or env) when PoW is on. */
export async function resolveExtra(c: FaucetConfig): Promise<ExtraSettings> {
  const page: PageIdentity = { title: c.title, networkName: c.networkName, symbol: c.tokenSymbol, explorerUrl: explorerTemplate(c.explorerUrl), rpcPublicUrl: c.rpcPublicUrl };
  const guards: GuardSettings = {
    dailyBudgetWei: c.dailyBudget !== undefined ? parseTokens('daily-budget', c.dailyBudget, false) : undefined,
    denyList: c.denyList, allowList: c.allowList, listReloadMs: c.listReloadInterval, refuseContracts: c.refuseContracts,
  };
  if (c.powDifficulty > 0) {
    const { key } = await loadPowKey(c.powKeyFile, c.powKey);
    const rate = parseLimit('pow-target-rate', c.powTargetRate);
    guards.pow = {
      difficulty: c.powDifficulty, key, ttlMs: c.powTtl,
      auto: c.powMaxDifficulty !== undefined && c.powMaxDifficulty > c.powDifficulty && rate.count > 0 ? { maxDifficulty: c.powMaxDifficulty, targetCount: rate.count, windowMs: rate.windowMs } : undefined,
    };
  }
  const token = c.token !== undefined ? { ...parseTokenSpec(c.token), defaultAmount: c.amount } : undefined;
  return { page, guards, token };
}
