// The LUXOPS_* variables a command sees but does not use: a typo (`LUXOPS_BASE_ULR`) or a name this
// command does not read would otherwise be ignored without a word. Variables that belong to another
// command (LUXOPS_FAUCET_* seen by startup, from a ConfigMap two containers share) are not ours to
// judge; the rest gets one warning line, with the closest name this command reads.
import { commandEnvPrefix, envName } from './options.js';
import type { OptionDef } from './options.js';
import { closest } from './suggest.js';

/** Every command name (src/registry.ts; test/registry.test.ts keeps the two equal). */
export const COMMAND_NAMES = ['startup', 'rlp-import', 'restore-snapshot', 'snapshot-create', 'key-downloader', 'signer-downloader', 'key-uploader', 'faucet', 'install'] as const;

/** Variables the entry itself reads, whatever the command. */
export const PROCESS_ENV = ['LUXOPS_DEBUG_CHUNKS'] as const;

export interface EnvWarning {
  code: 'W_UNKNOWN_ENV' | 'W_DEPRECATED_ENV';
  variables: string[];
  message: string;
}

/** LUXOPS_* names in `env` that `command` (with its bound `table`) neither reads nor can leave to another command. */
export function unknownEnv(table: readonly OptionDef[], command: string, env: Readonly<Record<string, string | undefined>>): Array<{ name: string; suggestion?: string }> {
  // every name this command reads -> the name to suggest (an old name's current one)
  const own = new Map<string, string>(PROCESS_ENV.map((n) => [n, n]));
  for (const d of table) {
    const ev = envName(d);
    if (ev === undefined) continue;
    own.set(ev, ev);
    if (d.legacyEnv !== undefined) own.set(d.legacyEnv, ev);
  }
  const ownPrefixes = new Set([commandEnvPrefix(command), ...table.flatMap((d) => (d.group ? [commandEnvPrefix(d.group.command)] : []))]);
  const others = COMMAND_NAMES.map(commandEnvPrefix).filter((p) => !ownPrefixes.has(p));
  const out: Array<{ name: string; suggestion?: string }> = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('LUXOPS_') || own.has(name)) continue;
    // a longer own prefix wins (LUXOPS_KEY_DOWNLOADER_ is not LUXOPS_KEY_UPLOADER_'s)
    if (others.some((p) => name.startsWith(p)) && ![...ownPrefixes].some((p) => name.startsWith(p))) continue;
    const hit = closest(name, own.keys());
    out.push(hit === undefined ? { name } : { name, suggestion: own.get(hit)! });
  }
  return out;
}

/** The (at most two) warning lines for a command's environment: unknown names, deprecated names. */
export function envWarnings(
  table: readonly OptionDef[],
  command: string,
  env: Readonly<Record<string, string | undefined>>,
  deprecated: ReadonlyArray<{ legacy: string; current: string }>,
): EnvWarning[] {
  const out: EnvWarning[] = [];
  const unknown = unknownEnv(table, command, env);
  if (unknown.length > 0) {
    const list = unknown.map((u) => (u.suggestion ? `${u.name} (did you mean ${u.suggestion}?)` : u.name)).join(', ');
    out.push({ code: 'W_UNKNOWN_ENV', variables: unknown.map((u) => u.name), message: `ignoring ${list}: not a variable of luxops ${command}` });
  }
  if (deprecated.length > 0) {
    const list = deprecated.map((d) => `${d.legacy} (now ${d.current})`).join(', ');
    out.push({ code: 'W_DEPRECATED_ENV', variables: deprecated.map((d) => d.legacy), message: `deprecated variable names, still read for now: ${list}` });
  }
  return out;
}
