// `--bootstrap-nodes`: the chart's per-ordinal peer table. Entry i is pod i's `NodeID@host:port`
// (`{ordinal}` in the host is i, so `luxd-{ordinal}.luxd-headless:9631` reads the same on every
// line). Each pod gives luxd --bootstrap-ips/--bootstrap-ids of every entry but its own, as the chart
// did: a validator listing itself as a bootstrap peer only ever waits on itself.
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { ordinalOf } from '../core/key-template.js';

/** One peer of the table. */
export interface BootstrapNode {
  readonly ordinal: number;
  readonly id: string;
  /** `host:port`, IPv6 in brackets, as luxd's --bootstrap-ips takes it */
  readonly endpoint: string;
}

// NodeID-<cb58 of 24 bytes>: at most 33 base58 characters (luxd checks the checksum itself)
const NODE_ID = /^NodeID-[1-9A-HJ-NP-Za-km-z]{24,33}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function bad(where: string, entry: string, why: string): UsageError {
  return new UsageError(`invalid ${where} entry ${JSON.stringify(entry)}: ${why}, expected NodeID-...@HOST:PORT`, 'E_BAD_OPTION');
}

/** Parse one `ID@host:port` entry of ordinal `i`; `where` names the flag (or file:line). */
export function parseBootstrapEntry(entry: string, i: number, where: string): BootstrapNode {
  const at = entry.indexOf('@');
  if (at < 0) throw bad(where, entry, 'no @');
  const id = entry.slice(0, at).trim();
  const hostPort = entry.slice(at + 1).trim().replaceAll('{ordinal}', String(i));
  if (!NODE_ID.test(id)) throw bad(where, entry, `${JSON.stringify(id)} is not a NodeID`);
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(hostPort);
  if (!m) throw bad(where, entry, 'no HOST:PORT after @ (IPv6 in brackets)');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw bad(where, entry, `port ${m[2]} out of range`);
  const host = m[1]!;
  if (!host.startsWith('[') && !HOSTNAME.test(host)) throw bad(where, entry, `${JSON.stringify(host)} is not a host name or IP address${/[{}]/.test(host) ? ' (only {ordinal} is expanded)' : ''}`);
  return { ordinal: i, id, endpoint: `${host}:${port}` };
}

/** The table from `--bootstrap-nodes` entries, or the lines of `--bootstrap-nodes-file` (# comments, blank lines skipped). */
export function loadBootstrapTable(entries: readonly string[], file: string | undefined): BootstrapNode[] {
  if (entries.length > 0 && file) throw new UsageError('--bootstrap-nodes and --bootstrap-nodes-file are alternatives; give one', 'E_CONFLICT');
  if (!file) return entries.map((e, i) => parseBootstrapEntry(e, i, '--bootstrap-nodes'));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --bootstrap-nodes-file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'E_BAD_OPTION');
  }
  const out: BootstrapNode[] = [];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (line) out.push(parseBootstrapEntry(line, out.length, `--bootstrap-nodes-file ${file}:${n + 1}`));
  }
  if (out.length === 0) throw new UsageError(`--bootstrap-nodes-file ${file} has no entries`, 'E_BAD_OPTION');
  return out;
}

/** The pod's own ordinal from HOSTNAME, or a usage error naming `flag` (the own entry must be left out). */
export function ownOrdinal(env: Readonly<Record<string, string | undefined>>, flag: string): number {
  const ord = ordinalOf(env.HOSTNAME ?? '');
  if (ord === undefined) {
    throw new UsageError(`--${flag} needs this pod's ordinal, the trailing number of HOSTNAME (a StatefulSet pod name such as luxd-3), got ${JSON.stringify(env.HOSTNAME ?? '')}`, 'E_KEY_TEMPLATE');
  }
  return Number(ord);
}

/** luxd's two flags for every peer but `own`; NodeIDs must be unique (a duplicate is a table error). */
export function bootstrapFlags(table: readonly BootstrapNode[], own: number): { ips: string; ids: string; peers: BootstrapNode[]; self: BootstrapNode | undefined } {
  const seen = new Map<string, number>();
  for (const n of table) {
    const prev = seen.get(n.id);
    if (prev !== undefined) throw new UsageError(`--bootstrap-nodes lists ${n.id} twice (ordinals ${prev} and ${n.ordinal})`, 'E_BAD_OPTION');
    seen.set(n.id, n.ordinal);
  }
  const peers = table.filter((n) => n.ordinal !== own);
  return { ips: peers.map((n) => n.endpoint).join(','), ids: peers.map((n) => n.id).join(','), peers, self: table.find((n) => n.ordinal === own) };
}
