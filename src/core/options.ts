// One option table per utility drives flag parsing, env twins, validation, --help and --check.
// Precedence: flag > env twin > its deprecated older name > default. A command's env twins are
// LUXOPS_<COMMAND>_<FLAG> (bindEnv), so one ConfigMap shared by several containers cannot set
// another command's flag; the first release's names LUXOPS_<FLAG> are still read, with a deprecation line.
// Every error names the flag (and the env variable when the value came from there), the value, and
// what was expected.
import { UsageError } from './errors.js';
import { parseDuration, parseSize, formatDuration, formatDurationFlag, formatSizeFlag } from './units.js';
import { closest, didYouMean } from './suggest.js';
import { redactUrl } from './redact-url.js';

export type OptType = 'string' | 'int' | 'bool' | 'duration' | 'size' | 'list' | 'url' | 'hostport' | 'enum';

export interface OptionDef {
  /** kebab-case flag name without dashes, e.g. `api-url` */
  readonly name: string;
  readonly type: OptType;
  /** default as the user would type it (parsed by the same rules), shown in --help */
  readonly default?: string;
  readonly help: string;
  /** env twin override; false = no env twin (e.g. --help). Default LUXOPS_<NAME>; bindEnv sets LUXOPS_<COMMAND>_<NAME>. */
  readonly env?: string | false;
  /** the env twin is LUXOPS_<NAME> for every command (settings meant to be shared, e.g. the log level) */
  readonly global?: boolean;
  /** an older env name still read when the twin is unset, with a deprecation line */
  readonly legacyEnv?: string;
  /** set by prefixOptions: this flag is another command's, shown as one group in --help */
  readonly group?: { readonly prefix: string; readonly command: string };
  /** one-letter alias, `-h` */
  readonly short?: string;
  /** required unless this bool flag is set (e.g. --kms-key-id unless --plaintext) */
  readonly requiredUnless?: string;
  /** allowed values for `enum` */
  readonly choices?: readonly string[];
  /** redacted in --check output and never logged */
  readonly secret?: boolean;
  readonly required?: boolean;
  /** inclusive bounds for int/duration/size */
  readonly min?: number;
  readonly max?: number;
  /** allowed URL schemes for `url` (default http, https) */
  readonly schemes?: readonly string[];
  /** placeholder for --help, e.g. PATH */
  readonly metavar?: string;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
type ValueOf<T extends OptType> = T extends 'int' | 'duration' | 'size'
  ? number
  : T extends 'bool'
    ? boolean
    : T extends 'list'
      ? readonly string[]
      : T extends 'hostport'
        ? HostPort
        : string;
type Optionality<O> = O extends { default: string } ? never : O extends { required: true } ? never : O extends { type: 'bool' | 'list' } ? never : undefined;

/** The frozen, typed config a table parses into (kebab names become camelCase keys). */
export type ConfigOf<T extends readonly OptionDef[]> = {
  readonly [O in T[number] as Camel<O['name']>]: ValueOf<O['type']> | Optionality<O>;
};

/** Options every command accepts. */
export const COMMON_OPTIONS = [
  { name: 'log-level', type: 'enum', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], default: 'info', global: true, help: 'log level of the lines written to stderr' },
  { name: 'log-format', type: 'enum', choices: ['auto', 'json', 'pretty'], default: 'auto', global: true, help: 'stderr log lines: JSON, or human text with a live progress line; auto = pretty when stderr is a terminal' },
  { name: 'check', type: 'bool', env: false, help: 'validate flags and env, print the resolved configuration as JSON (secrets redacted), touch nothing' },
  { name: 'help', type: 'bool', env: false, short: 'h', help: 'print this help and exit' },
] as const satisfies readonly OptionDef[];

/** Added to the table of a command whose --help folds groups of flags (startup's --rlp-*). */
export const HELP_ALL_OPTION = { name: 'help-all', type: 'bool', env: false, help: 'print this help with every flag of every group' } as const satisfies OptionDef;

const upperSnake = (name: string): string => name.toUpperCase().replace(/-/g, '_');

/** The env prefix of a command's twins: `rlp-import` -> LUXOPS_RLP_IMPORT_. */
export function commandEnvPrefix(command: string): string {
  return `LUXOPS_${upperSnake(command)}_`;
}

/**
 * Give a command's table its env twins: LUXOPS_<COMMAND>_<FLAG>, reading the older LUXOPS_<FLAG>
 * as a deprecated fallback. Explicit names (`env`), global options and prefixed groups are kept.
 */
export function bindEnv(table: readonly OptionDef[], command: string): OptionDef[] {
  return table.map((d) => (d.env !== undefined || d.global ? d : { ...d, env: `${commandEnvPrefix(command)}${upperSnake(d.name)}`, legacyEnv: d.legacyEnv ?? `LUXOPS_${upperSnake(d.name)}` }));
}

export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The env twin of an option (LUXOPS_<FLAG> in a table not bound to a command), or undefined when it has none. */
export function envName(def: OptionDef): string | undefined {
  if (def.env === false) return undefined;
  return def.env ?? `LUXOPS_${upperSnake(def.name)}`;
}

/**
 * Re-export another command's table under a prefix (startup's `--rlp-*` is rlp-import's table, not
 * a copy). The env twins are that command's own (`--rlp-timeout` <-> LUXOPS_RLP_IMPORT_TIMEOUT, so
 * one ConfigMap configures the import wherever it runs); the old LUXOPS_RLP_<FLAG> stays a
 * deprecated fallback. `required` is dropped: the embedding command decides when the group is in use.
 */
export function prefixOptions<T extends readonly OptionDef[]>(table: T, prefix: string, command: string): OptionDef[] {
  return table.map(({ required: _required, requiredUnless: _unless, ...d }) => ({
    ...d,
    name: `${prefix}${d.name}`,
    env: d.env === false ? false : `${commandEnvPrefix(command)}${upperSnake(d.name)}`,
    legacyEnv: d.env === false ? undefined : `LUXOPS_${upperSnake(`${prefix}${d.name}`)}`,
    group: { prefix, command },
  }));
}

/** Take the `prefix`-ed keys of a parsed config back out as the original table's config. */
export function unprefixConfig<T extends readonly OptionDef[]>(config: Record<string, unknown>, prefix: string, table: T): ConfigOf<T> {
  const out: Record<string, unknown> = {};
  for (const d of table) out[camelCase(d.name)] = config[camelCase(`${prefix}${d.name}`)];
  return Object.freeze(out) as ConfigOf<T>;
}

function describeType(def: OptionDef): string | undefined {
  switch (def.type) {
    case 'int': return 'an integer' + bounds(def);
    case 'bool': return 'true or false';
    case 'duration': return 'a duration like 90s, 2m, 1h or a number of seconds' + bounds(def, formatDuration);
    case 'size': return 'a size like 512MiB, 2GB or a number of bytes' + bounds(def);
    case 'url': return `a URL (${(def.schemes ?? ['http', 'https']).join(', ')})`;
    case 'hostport': return 'HOST:PORT with a port 0-65535';
    case 'enum': return `one of ${(def.choices ?? []).join(', ')}`;
    case 'list': return `${def.metavar ?? 'a comma-separated list'}`;
    default: return def.metavar;
  }
}

function bounds(def: OptionDef, fmt: (n: number) => string = String): string {
  if (def.min !== undefined && def.max !== undefined) return ` between ${fmt(def.min)} and ${fmt(def.max)}`;
  if (def.min !== undefined) return ` >= ${fmt(def.min)}`;
  if (def.max !== undefined) return ` <= ${fmt(def.max)}`;
  return '';
}

function where(def: OptionDef, source: 'flag' | 'env' | 'default', variable = envName(def)): string {
  return source === 'env' ? `${variable} (--${def.name})` : `--${def.name}`;
}

function invalid(def: OptionDef, value: string, source: 'flag' | 'env' | 'default', variable?: string): UsageError {
  const shown = def.secret ? '[redacted]' : JSON.stringify(value);
  return new UsageError(`invalid value for ${where(def, source, variable)}: ${shown}, expected ${describeType(def) ?? 'a value'}`, 'E_BAD_OPTION');
}

const BOOL_TRUE = new Set(['true', '1', 'yes', 'on']);
const BOOL_FALSE = new Set(['false', '0', 'no', 'off']);

/** Parse one scalar value (not list) per its type; throws UsageError naming the flag (or `variable`). */
export function parseValue(def: OptionDef, raw: string, source: 'flag' | 'env' | 'default', variable?: string): unknown {
  const invalid_ = (d: OptionDef, v: string, s: typeof source) => invalid(d, v, s, variable);
  const inRange = (n: number) => (def.min === undefined || n >= def.min) && (def.max === undefined || n <= def.max);
  switch (def.type) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) throw invalid_(def, raw, source);
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || !inRange(n)) throw invalid_(def, raw, source);
      return n;
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (BOOL_TRUE.has(v)) return true;
      if (BOOL_FALSE.has(v)) return false;
      throw invalid_(def, raw, source);
    }
    case 'duration': {
      const n = parseDuration(raw);
      if (n === undefined || !inRange(n)) throw invalid_(def, raw, source);
      return n;
    }
    case 'size': {
      const n = parseSize(raw);
      if (n === undefined || !inRange(n)) throw invalid_(def, raw, source);
      return n;
    }
    case 'url': {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw invalid_(def, raw, source);
      }
      const schemes = def.schemes ?? ['http', 'https'];
      if (!schemes.includes(u.protocol.replace(/:$/, ''))) throw invalid_(def, raw, source);
      return raw.replace(/\/+$/, '');
    }
    case 'hostport': {
      const m = /^(\[[^\]]+\]|[^:\s]*):(\d{1,5})$/.exec(raw.trim());
      if (!m) throw invalid_(def, raw, source);
      const port = Number(m[2]);
      if (port > 65535) throw invalid_(def, raw, source);
      const host = m[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0';
      return Object.freeze({ host, port });
    }
    case 'enum':
      if (!(def.choices ?? []).includes(raw)) throw invalid_(def, raw, source);
      return raw;
    default:
      return raw;
  }
}

function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export interface ParsedArgs<C> {
  readonly config: C;
  /** non-flag arguments before `--` */
  readonly positionals: readonly string[];
  /** everything after `--`, untouched (the supervised child's command line) */
  readonly rest: readonly string[];
  /** where each config key came from, for --check */
  readonly sources: Readonly<Record<string, 'flag' | 'env' | 'default'>>;
  /** deprecated env names that were read (or set beside their new name), for one warning line */
  readonly deprecatedEnv: ReadonlyArray<{ readonly legacy: string; readonly current: string }>;
}

/** `--name` for the flag a user most likely meant by `--typo` (booleans also as --no-name). */
function suggestFlag(table: readonly OptionDef[], name: string): string | undefined {
  const names = table.flatMap((d) => (d.type === 'bool' ? [d.name, `no-${d.name}`] : [d.name]));
  const hit = closest(name, names);
  return hit === undefined ? undefined : `--${hit}`;
}

/**
 * Parse argv + env against a table. Flags: `--name value`, `--name=value`; booleans `--name`,
 * `--name=false`, `--no-name`; `-h` style one-letter aliases; lists repeat and/or take commas.
 * `--` ends flags.
 */
export function parseArgs<T extends readonly OptionDef[]>(table: T, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedArgs<ConfigOf<T>> {
  const byName = new Map<string, OptionDef>();
  for (const d of table) byName.set(d.name, d);
  const fromFlags = new Map<string, unknown>();
  const positionals: string[] = [];
  let rest: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (/^-[A-Za-z]$/.test(arg)) {
      const def = table.find((d) => d.short === arg.slice(1));
      if (!def) throw new UsageError(`unknown flag ${arg}`, 'E_UNKNOWN_FLAG');
      arg = `--${def.name}`;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) throw new UsageError(`unknown flag ${arg}${didYouMean(suggestFlag(table, arg.replace(/^-+/, '')))}`, 'E_UNKNOWN_FLAG');
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let inline: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    let def = byName.get(name);
    if (!def && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'bool' && inline === undefined) {
      def = byName.get(name.slice(3))!;
      name = def.name;
      inline = 'false';
    }
    if (!def) throw new UsageError(`unknown flag --${name}${didYouMean(suggestFlag(table, name))}`, 'E_UNKNOWN_FLAG');
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (def.type === 'bool') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || next === '--') {
        const what = describeType(def);
        throw new UsageError(`flag --${name} needs a value${what ? ` (${what})` : ''}`, 'E_MISSING_VALUE');
      }
      raw = next;
      i++;
    }
    if (def.type === 'list') {
      const prev = (fromFlags.get(name) as string[] | undefined) ?? [];
      fromFlags.set(name, [...prev, ...splitList(raw)]);
    } else {
      fromFlags.set(name, parseValue(def, raw, 'flag'));
    }
  }

  const config: Record<string, unknown> = {};
  const sources: Record<string, 'flag' | 'env' | 'default'> = {};
  const deprecatedEnv: Array<{ legacy: string; current: string }> = [];
  for (const def of table) {
    const key = camelCase(def.name);
    const ev = envName(def);
    let variable = ev;
    let envRaw = ev === undefined ? undefined : env[ev];
    if (ev !== undefined && def.legacyEnv !== undefined && env[def.legacyEnv] !== undefined && env[def.legacyEnv] !== '') {
      deprecatedEnv.push({ legacy: def.legacyEnv, current: ev });
      if (envRaw === undefined || envRaw === '') [envRaw, variable] = [env[def.legacyEnv], def.legacyEnv];
    }
    let value: unknown;
    let source: 'flag' | 'env' | 'default';
    if (fromFlags.has(def.name)) {
      value = fromFlags.get(def.name);
      source = 'flag';
    } else if (envRaw !== undefined && envRaw !== '') {
      value = def.type === 'list' ? splitList(envRaw) : parseValue(def, envRaw, 'env', variable);
      source = 'env';
    } else {
      source = 'default';
      if (def.default !== undefined) value = def.type === 'list' ? splitList(def.default) : parseValue(def, def.default, 'default');
      else if (def.type === 'bool') value = false;
      else if (def.type === 'list') value = [];
    }
    if (Array.isArray(value)) {
      // list items of a typed list are validated one by one
      value = Object.freeze(value.slice());
    }
    config[key] = value;
    sources[key] = source;
  }
  return { config: Object.freeze(config) as ConfigOf<T>, positionals, rest, sources: Object.freeze(sources), deprecatedEnv: Object.freeze(deprecatedEnv) };
}

/**
 * Every required flag that has no value, in one error (an init container must not crash-loop once per
 * missing flag). `requiredUnless` flags count when their waiver is off.
 */
export function checkRequired(table: readonly OptionDef[], config: Record<string, unknown>): void {
  const missing: string[] = [];
  for (const d of table) {
    const waived = d.requiredUnless !== undefined && config[camelCase(d.requiredUnless)] === true;
    if (!(d.required || (d.requiredUnless !== undefined && !waived))) continue;
    const v = config[camelCase(d.name)];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) {
      const ev = envName(d);
      missing.push(`--${d.name}${ev ? ` (or ${ev})` : ''}${d.requiredUnless ? ` unless --${d.requiredUnless}` : ''}`);
    }
  }
  if (missing.length === 1) throw new UsageError(`missing required flag ${missing[0]}`, 'E_MISSING_FLAG');
  if (missing.length > 1) throw new UsageError(`missing required flags ${missing.join(', ')}`, 'E_MISSING_FLAG');
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** URL values (also inside lists) without credentials or query values: --check output is often pasted. */
function redactUrls(v: unknown): unknown {
  if (typeof v === 'string') return URL_LIKE.test(v) ? redactUrl(v) : v;
  return Array.isArray(v) ? v.map(redactUrls) : v;
}

/**
 * The config for --check: secrets replaced, URLs without credentials or query values, durations and
 * sizes in the units their flags take (`"7200s"`, `"512MiB"`) rather than the milliseconds and bytes
 * the code works in.
 */
export function redactConfig(table: readonly OptionDef[], config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of table) {
    const key = camelCase(d.name);
    const v = config[key];
    if (d.secret && v !== undefined && v !== '') out[key] = '[redacted]';
    else if (d.type === 'duration' && typeof v === 'number') out[key] = formatDurationFlag(v);
    else if (d.type === 'size' && typeof v === 'number') out[key] = formatSizeFlag(v);
    else out[key] = redactUrls(v);
  }
  return out;
}

export function metavarFor(d: OptionDef): string {
  switch (d.type) {
    case 'int': return 'N';
    case 'duration': return 'DURATION';
    case 'size': return 'SIZE';
    case 'list': return 'A,B,...';
    case 'url': return 'URL';
    case 'hostport': return 'HOST:PORT';
    case 'enum': return (d.choices ?? []).join('|');
    default: return 'VALUE';
  }
}
