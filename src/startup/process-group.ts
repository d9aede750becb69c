// Who is still in luxd's process group. luxd leads its own group (spawned detached), and its
// plugins and helpers inherit it; after luxd exits the group lives on as long as any of them does.
// Linux: /proc/<pid>/stat names each process' group and state, so zombies (dead, waiting for a
// reaper, harmless) are not counted. Elsewhere kill(-pgid, 0) answers "someone is left".
import { readdirSync, readFileSync } from 'node:fs';

/** A process of the group: pid and its /proc state letter (R, S, D, T, ...). */
export interface GroupMember {
  readonly pid: number;
  readonly state: string;
}

/** Parse /proc/<pid>/stat: `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses. */
export function parseProcStat(text: string): { pid: number; state: string; pgrp: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  const f = text.slice(close + 2).split(' ');
  const pgrp = Number(f[2]);
  if (!Number.isSafeInteger(pid) || f[0] === undefined || !Number.isSafeInteger(pgrp)) return undefined;
  return { pid, state: f[0], pgrp };
}

/**
 * Live (non-zombie) members of process group `pgid`. `proc` is the procfs root (tests point it
 * elsewhere); without a readable procfs, one placeholder member when kill(-pgid, 0) succeeds.
 */
export function groupMembers(pgid: number, proc = '/proc'): GroupMember[] {
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    try {
      process.kill(-pgid, 0);
      return [{ pid: pgid, state: '?' }];
    } catch {
      return [];
    }
  }
  const out: GroupMember[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = parseProcStat(readFileSync(`${proc}/${name}/stat`, 'latin1'));
    } catch {
      continue; // exited while we looked
    }
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') out.push({ pid: stat.pid, state: stat.state });
  }
  return out;
}
