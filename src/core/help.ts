// --help text from an option table, wrapped to the terminal (80 columns when stdout is not one), in
// the shape of kubectl's and curl's: one row per flag, its description wrapped under itself.
// Flags another command owns (startup's 26 `--rlp-*`) fold into one row; --help-all unfolds them.
import { envName, metavarFor } from './options.js';
import type { OptionDef } from './options.js';
import { formatRows, helpWidth, wrapText } from './text-wrap.js';

function flagRow(d: OptionDef): readonly [string, string] {
  const meta = d.type === 'bool' ? '' : ` ${d.metavar ?? metavarFor(d)}`;
  const ev = envName(d);
  const extras = [ev ? `env ${ev}` : '', d.default !== undefined && d.default !== '' ? `default ${d.default}` : '', d.required ? 'required' : '']
    .filter(Boolean)
    .join('; ');
  return [`  ${d.short ? `-${d.short}, ` : ''}--${d.name}${meta}`, `${d.help}${extras ? ` [${extras}]` : ''}`];
}

/** The row standing for a whole group of another command's flags. */
function groupRow(prog: string, group: { prefix: string; command: string }, members: readonly OptionDef[]): readonly [string, string] {
  const cmd = `${prog.split(' ')[0]} ${group.command}`;
  const envs = members.map((m) => envName(m)).filter((e): e is string => e !== undefined);
  const env = envs.length > 1 ? `, env ${envs.reduce(commonPrefix)}<FLAG>` : '';
  return [
    `  --${group.prefix}*`,
    `every '${cmd}' flag as --${group.prefix}<flag> (${members.length} flags${env}); '${cmd} --help' explains them, --help-all lists them here`,
  ];
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

export interface HelpInput {
  prog: string;
  usage: string;
  summary: string;
  table: readonly OptionDef[];
  extra?: string;
  /** terminal columns (undefined: not a terminal) */
  columns?: number;
  /** unfold groups (--help-all) */
  all?: boolean;
}

/** --help text generated from the table. */
export function formatHelp(opts: HelpInput): string {
  const width = helpWidth(opts.columns);
  // the usage lines are command lines: kept as written
  const lines = [`Usage: ${opts.prog} ${opts.usage}`, '', ...wrapText(opts.summary, width), '', 'Flags:'];
  const rows: Array<readonly [string, string]> = [];
  const shown = new Set<string>();
  for (const d of opts.table) {
    if (!d.group || opts.all) {
      rows.push(flagRow(d));
      continue;
    }
    const key = `${d.group.prefix}\0${d.group.command}`;
    if (shown.has(key)) continue;
    shown.add(key);
    rows.push(groupRow(opts.prog, d.group, opts.table.filter((m) => m.group?.prefix === d.group!.prefix && m.group.command === d.group!.command)));
  }
  lines.push(...formatRows(rows, width));
  if (opts.extra) lines.push('', ...wrapProse(opts.extra, width));
  return lines.join('\n') + '\n';
}

/** Prose lines are joined and re-wrapped; indented lines (examples, command lines) are kept as written. */
export function wrapProse(text: string, width: number): string[] {
  const out: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length > 0) out.push(...wrapText(para.join(' '), width));
    para = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^\s/.test(line)) {
      flush();
      out.push(line);
    } else if (/:$/.test(line)) {
      flush();
      out.push(...wrapText(line, width)); // a heading such as "Example:"
    } else para.push(line);
  }
  flush();
  return out;
}
