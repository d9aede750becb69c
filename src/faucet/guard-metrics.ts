// /metrics lines of the opt-in protections and the ERC-20 drip (issue #17), named per the project's
// conventions (luxops_faucet_ prefix, base units in the name, a _tokens twin beside _wei). Only the
// families of enabled features are written.
import type { DripGuards } from './guards.js';
import type { TokenState } from './token-state.js';
import { formatUnits } from './erc20.js';

function family(out: string[], name: string, type: 'gauge' | 'counter', help: string, samples: Array<[string, string | number | bigint]>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, v] of samples) out.push(`${name}${labels} ${v.toString()}`);
}

/** The lines (with trailing newline) for the enabled features. */
export function renderGuardMetrics(g: DripGuards, token: TokenState | undefined, holders: readonly string[]): string {
  const out: string[] = [];
  if (g.pow) {
    const p = g.pow;
    family(out, 'luxops_faucet_pow_difficulty_bits', 'gauge', 'Difficulty new proof-of-work challenges are issued with.', [['', p.currentDifficulty()]]);
    family(out, 'luxops_faucet_pow_verified_total', 'counter', 'Proofs of work accepted.', [['', p.verified]]);
    family(out, 'luxops_faucet_pow_failures_total', 'counter', 'Proofs of work refused, by reason.', ['missing', 'malformed', 'forged', 'expired', 'address', 'insufficient', 'reused', 'busy'].map((r) => [`{reason="${r}"}`, p.failures.get(r as never) ?? 0]));
    family(out, 'luxops_faucet_pow_tracked', 'gauge', 'Used challenges remembered until they expire.', [['', p.tracked]]);
  }
  if (g.budget) {
    const b = g.budget;
    const used = b.used();
    family(out, 'luxops_faucet_budget_limit_wei', 'gauge', 'Native tokens the faucet may send per rolling 24 h (--daily-budget).', [['', b.limit]]);
    family(out, 'luxops_faucet_budget_limit_tokens', 'gauge', 'The daily budget in tokens.', [['', formatUnits(b.limit, 18)]]);
    family(out, 'luxops_faucet_budget_used_wei', 'gauge', 'Native tokens sent (or held by drips in flight) in the last 24 h.', [['', used]]);
    family(out, 'luxops_faucet_budget_used_tokens', 'gauge', 'Budget used in tokens.', [['', formatUnits(used, 18)]]);
    family(out, 'luxops_faucet_budget_refused_total', 'counter', 'Drips refused because the daily budget was used up.', [['', b.refused]]);
  }
  const lists = g.lists.stats();
  if (lists.length > 0) {
    family(out, 'luxops_faucet_list_entries', 'gauge', 'Entries of the deny/allow lists.', lists.flatMap((l) => [[`{list="${l.list}",kind="address"}`, l.addresses], [`{list="${l.list}",kind="network"}`, l.networks]] as Array<[string, number]>));
    family(out, 'luxops_faucet_list_loaded_timestamp_seconds', 'gauge', 'When each list was last loaded.', lists.map((l) => [`{list="${l.list}"}`, Math.floor(l.loadedAt / 1000)]));
    family(out, 'luxops_faucet_list_reloads_total', 'counter', 'List files re-read after a change.', lists.map((l) => [`{list="${l.list}"}`, l.reloads]));
    family(out, 'luxops_faucet_list_reload_errors_total', 'counter', 'List reloads that failed (the last good list stays in force).', lists.map((l) => [`{list="${l.list}"}`, l.reloadErrors]));
    family(out, 'luxops_faucet_denied_total', 'counter', 'Drips refused by the deny list.', [['{match="address"}', g.lists.denied.address], ['{match="ip"}', g.lists.denied.ip]]);
  }
  if (g.s.refuseContracts) {
    const c = g.contracts;
    family(out, 'luxops_faucet_contract_checks_total', 'counter', 'Recipients checked with eth_getCode, by result.', [['{result="eoa"}', c.checked - c.refused - c.errors], ['{result="contract"}', c.refused], ['{result="error"}', c.errors]]);
  }
  if (token) {
    const t = token.info;
    family(out, 'luxops_faucet_token_balance_units', 'gauge', `Token balance per faucet key in base units (token ${t.address}, ${t.decimals} decimals).`, holders.flatMap((h, i) => (token.balances[i] === undefined ? [] : [[`{address="${h}"}`, token.balances[i]!]] as Array<[string, bigint]>)));
    family(out, 'luxops_faucet_token_balance_tokens', 'gauge', 'Token balance per faucet key in tokens.', holders.flatMap((h, i) => (token.balances[i] === undefined ? [] : [[`{address="${h}"}`, formatUnits(token.balances[i]!, t.decimals)]] as Array<[string, string]>)));
    family(out, 'luxops_faucet_token_transfers_total', 'counter', 'Token transfers accepted by the node.', [['', token.transfers]]);
  }
  return out.length > 0 ? out.join('\n') + '\n' : '';
}
