// One option table per utility drives flag parsing, env twins, validation, --help and --check.
// Precedence: flag > env twin (LUXOPS_<FLAG_IN_UPPER_SNAKE>) > default. Every error names the
// flag (and the env variable when the value came from there), the value, and what was expected.
import { UsageError } from './errors.js';
import { parseDuration, parseSize, formatDuration } from './units.js';
import { redactUrl } from './redact-url.js';

export type OptType = 'string' | 'int' | 'bool' | 'duration' | 'size' | 'list' | 'url' | 'hostport' | 'enum';

export interface OptionDef {
  /** kebab-case flag name without dashes, e.g. `api-url` */
  readonly name: string;
  readonly type: OptType;
  /** default as the user would type it (parsed by the same rules), shown in --help */
  readonly default?: string;
  readonly help: string;
  /** env twin override; false = no env twin (e.g. --help). Default LUXOPS_<NAME>. */
  readonly env?: string | false;
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
  { name: 'log-level', type: 'enum', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], default: 'info', help: 'log level of the JSON lines written to stderr' },
  { name: 'check', type: 'bool', env: false, help: 'validate flags and env, print the resolved configuration as JSON (secrets redacted), touch nothing' },
  { name: 'help', type: 'bool', env: false, help: 'print this help and exit' },
] as const satisfies readonly OptionDef[];

export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The env twin of an option: LUXOPS_<FLAG_IN_UPPER_SNAKE>, or undefined when it has none. */
export function envName(def: OptionDef): string | undefined {
  if (def.env === false) return undefined;
  return def.env ?? `LUXOPS_${def.name.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Re-export a table under a prefix (startup's `--rlp-*` reuses rlp-import's table, not a copy).
 * `required` is dropped: the embedding command decides when the group is in use.
 */
export function prefixOptions<T extends readonly OptionDef[]>(table: T, prefix: string): OptionDef[] {
  return table.map(({ required: _required, ...d }) => ({
    ...d,
    name: `${prefix}${d.name}`,
    env: d.env === false ? false : `LUXOPS_${`${prefix}${d.name}`.toUpperCase().replace(/-/g, '_')}`,
  }));
}

/** Take the `prefix`-ed keys of a parsed config back out as the original table's config. */
export function unprefixConfig<T extends readonly OptionDef[]>(config: Record<string, unknown>, prefix: string, table: T): ConfigOf<T> {
  const out: Record<string, unknown> = {};
  for (const d of table) out[camelCase(d.name)] = config[camelCase(`${prefix}${d.name}`)];
  return Object.freeze(out) as ConfigOf<T>;
}

function describeType(def: OptionDef): string {
  switch (def.type) {
    case 'int': return 'an integer' + bounds(def);
    case 'bool': return 'true or false';
    case 'duration': return 'a duration like 90s, 2m, 1h or a number of seconds' + bounds(def, formatDuration);
    case 'size': return 'a size like 512MiB, 2GB or a number of bytes' + bounds(def);
    case 'url': return `a URL (${(def.schemes ?? ['http', 'https']).join(', ')})`;
    case 'hostport': return 'HOST:PORT with a port 0-65535';
    case 'enum': return `one of ${(def.choices ?? []).join(', ')}`;
    default: return 'a value';
  }
}

function bounds(def: OptionDef, fmt: (n: number) => string = String): string {
  if (def.min !== undefined && def.max !== undefined) return ` between ${fmt(def.min)} and ${fmt(def.max)}`;
  if (def.min !== undefined) return ` >= ${fmt(def.min)}`;
  if (def.max !== undefined) return ` <= ${fmt(def.max)}`;
  return '';
}

function where(def: OptionDef, source: 'flag' | 'env' | 'default'): string {
  return source === 'env' ? `${envName(def)} (--${def.name})` : `--${def.name}`;
}

function invalid(def: OptionDef, value: string, source: 'flag' | 'env' | 'default'): UsageError {
  const shown = def.secret ? '[redacted]' : JSON.stringify(value);
  return new UsageError(`invalid value for ${where(def, source)}: ${shown}, expected ${describeType(def)}`, 'E_BAD_OPTION');
}

const BOOL_TRUE = new Set(['true', '1', 'yes', 'on']);
const BOOL_FALSE = new Set(['false', '0', 'no', 'off']);

/** Parse one scalar value (not list) per its type; throws UsageError naming the flag. */
export function parseValue(def: OptionDef, raw: string, source: 'flag' | 'env' | 'default'): unknown {
  const inRange = (n: number) => (def.min === undefined || n >= def.min) && (def.max === undefined || n <= def.max);
  switch (def.type) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) throw invalid(def, raw, source);
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || !inRange(n)) throw invalid(def, raw, source);
      return n;
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (BOOL_TRUE.has(v)) return true;
      if (BOOL_FALSE.has(v)) return false;
      throw invalid(def, raw, source);
    }
    case 'duration': {
      const n = parseDuration(raw);
      if (n === undefined || !inRange(n)) throw invalid(def, raw, source);
      return n;
    }
    case 'size': {
      const n = parseSize(raw);
      if (n === undefined || !inRange(n)) throw invalid(def, raw, source);
      return n;
    }
    case 'url': {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw invalid(def, raw, source);
      }
      const schemes = def.schemes ?? ['http', 'https'];
      if (!schemes.includes(u.protocol.replace(/:$/, ''))) throw invalid(def, raw, source);
      return raw.replace(/\/+$/, '');
    }
    case 'hostport': {
      const m = /^(\[[^\]]+\]|[^:\s]*):(\d{1,5})$/.exec(raw.trim());
      if (!m) throw invalid(def, raw, source);
      const port = Number(m[2]);
      if (port > 65535) throw invalid(def, raw, source);
      const host = m[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0';
      return Object.freeze({ host, port });
    }
    case 'enum':
      if (!(def.choices ?? []).includes(raw)) throw invalid(def, raw, source);
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
}

/**
 * Parse argv + env against a table. Flags: `--name value`, `--name=value`; booleans `--name`,
 * `--name=false`, `--no-name`; lists repeat and/or take commas. `--` ends flags.
 */
export function parseArgs<T extends readonly OptionDef[]>(table: T, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedArgs<ConfigOf<T>> {
  const byName = new Map<string, OptionDef>();
  for (const d of table) byName.set(d.name, d);
  const fromFlags = new Map<string, unknown>();
  const positionals: string[] = [];
  let rest: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1) throw new UsageError(`unknown flag ${arg}`, 'E_UNKNOWN_FLAG');
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
    if (!def) throw new UsageError(`unknown flag --${name}`, 'E_UNKNOWN_FLAG');
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (def.type === 'bool') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || next === '--') throw new UsageError(`flag --${name} needs a value (${describeType(def)})`, 'E_MISSING_VALUE');
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
  for (const def of table) {
    const key = camelCase(def.name);
    const ev = envName(def);
    const envRaw = ev === undefined ? undefined : env[ev];
    let value: unknown;
    let source: 'flag' | 'env' | 'default';
    if (fromFlags.has(def.name)) {
      value = fromFlags.get(def.name);
      source = 'flag';
    } else if (envRaw !== undefined && envRaw !== '') {
      value = def.type === 'list' ? splitList(envRaw) : parseValue(def, envRaw, 'env');
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
  return { config: Object.freeze(config) as ConfigOf<T>, positionals, rest, sources: Object.freeze(sources) };
}

/** Throw the standard "missing required flag" error unless `help`/`check` short-circuits first. */
export function checkRequired(table: readonly OptionDef[], config: Record<string, unknown>): void {
  for (const d of table) {
    if (!d.required) continue;
    const v = config[camelCase(d.name)];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) {
      const ev = envName(d);
      throw new UsageError(`missing required flag --${d.name}${ev ? ` (or ${ev})` : ''}`, 'E_MISSING_FLAG');
    }
  }
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** URL values (also inside lists) without credentials or query values: --check output is often pasted. */
function redactUrls(v: unknown): unknown {
  if (typeof v === 'string') return URL_LIKE.test(v) ? redactUrl(v) : v;
  return Array.isArray(v) ? v.map(redactUrls) : v;
}

/** The config with every secret option replaced (and URLs redacted), for --check and startup logs. */
export function redactConfig(table: readonly OptionDef[], config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of table) {
    const key = camelCase(d.name);
    const v = config[key];
    out[key] = d.secret && v !== undefined && v !== '' ? '[redacted]' : redactUrls(v);
  }
  return out;
}

/** --help text generated from the table. */
export function formatHelp(opts: { prog: string; usage: string; summary: string; table: readonly OptionDef[]; extra?: string }): string {
  const lines = [`Usage: ${opts.prog} ${opts.usage}`, '', opts.summary, '', 'Flags:'];
  const rows = opts.table.map((d) => {
    const meta = d.type === 'bool' ? '' : ` ${d.metavar ?? metavarFor(d)}`;
    const ev = envName(d);
    const extras = [ev ? `env ${ev}` : '', d.default !== undefined && d.default !== '' ? `default ${d.default}` : '', d.required ? 'required' : '']
      .filter(Boolean)
      .join('; ');
    return [`  --${d.name}${meta}`, `${d.help}${extras ? ` [${extras}]` : ''}`] as const;
  });
  const width = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  for (const [left, right] of rows) {
    lines.push(left.length >= width ? `${left}\n${' '.repeat(width)}${right}` : `${left.padEnd(width)}${right}`);
  }
  if (opts.extra) lines.push('', opts.extra);
  return lines.join('\n') + '\n';
}

function metavarFor(d: OptionDef): string {
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
