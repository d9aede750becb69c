// Is a luxd using this data dir right now? A copy of a running node's pathdb is not a snapshot, so
// snapshot-create asks the kernel two ways before it reads anything:
//   1. database locks: luxd's databases (leveldb, pebble, badger) each hold a lock on a file named
//      LOCK in their directory (flock or fcntl). /proc/locks lists every lock with the device and
//      inode of the locked file; a LOCK file under the data dir that appears there is held.
//   2. processes: a process whose command line names this directory as --data-dir or --db-dir.
// Both only see what the kernel shows this process: a luxd in another container of the same pod is
// visible only with shareProcessNamespace: true, one on another node not at all (a ReadWriteOnce
// volume is mounted by one node at a time). The robust way on Kubernetes is a snapshot of a clone of
// the volume (deploy/components/snapshot-create).
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface LiveHolder {
  readonly kind: 'lock' | 'process';
  readonly pid?: number;
  /** the locked file (kind lock) */
  readonly path?: string;
  /** the process' command line, clipped (kind process) */
  readonly cmd?: string;
}

export interface LiveCheckOptions {
  readonly procRoot?: string;
  readonly selfPid: number;
  /** give up walking for LOCK files after this many directories */
  readonly maxDirs?: number;
}

export interface LiveCheck {
  readonly holders: readonly LiveHolder[];
  /** what could not be checked (no /proc/locks, unreadable dirs): said in the log */
  readonly blind: readonly string[];
}

/** Linux dev_t (glibc encoding) -> the "maj:min" /proc/locks prints (hex). */
export function devString(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** /proc/locks lines -> "maj:min:inode" -> holder pid. */
export function parseProcLocks(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 24096 fe:00:2188001 0 EOF"; waiters are "1: -> FLOCK ..."
    const m = /^\d+:\s+(?:->\s+)?\S+\s+\S+\s+\S+\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/i.exec(line);
    if (!m) continue;
    const key = `${m[2]!.toLowerCase().padStart(2, '0')}:${m[3]!.toLowerCase().padStart(2, '0')}:${m[4]}`;
    if (!out.has(key)) out.set(key, Number(m[1]));
  }
  return out;
}

async function lockFiles(root: string, maxDirs: number, blind: string[]): Promise<string[]> {
  const found: string[] = [];
  const stack: Array<[string, number]> = [[root, 0]];
  let dirs = 0;
  while (stack.length > 0) {
    const [dir, depth] = stack.pop()!;
    if (++dirs > maxDirs) {
      blind.push(`stopped looking for database LOCK files after ${maxDirs} directories`);
      break;
    }
    let list;
    try {
      list = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      blind.push(`cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    for (const d of list) {
      if (d.isDirectory() && depth < 12) stack.push([join(dir, d.name), depth + 1]);
      else if (d.isFile() && d.name === 'LOCK') found.push(join(dir, d.name));
    }
  }
  return found;
}

function argValue(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${flag}` || a === `-${flag}`) {
      if (argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    } else if (a.startsWith(`--${flag}=`) || a.startsWith(`-${flag}=`)) out.push(a.slice(a.indexOf('=') + 1));
  }
  return out;
}

/** Processes whose command line names `root` as their --data-dir (or a --db-dir inside it). */
async function processesOn(root: string, proc: string, selfPid: number, blind: string[]): Promise<LiveHolder[]> {
  let pids: string[];
  try {
    pids = (await readdir(proc)).filter((n) => /^\d+$/.test(n));
  } catch (e) {
    blind.push(`cannot list ${proc}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return [];
  }
  const real = async (p: string, cwd: string) => realpath(resolve(cwd, p)).catch(() => resolve(cwd, p));
  const out: LiveHolder[] = [];
  for (const pid of pids.slice(0, 100_000)) {
    if (Number(pid) === selfPid) continue;
    let argv: string[];
    try {
      argv = (await readFile(join(proc, pid, 'cmdline'), 'latin1')).split('\0').filter(Boolean);
    } catch {
      continue;
    }
    // another snapshot-create reading the same directory is not a writer
    if (argv.includes('snapshot-create')) continue;
    const dirs = [...argValue(argv, 'data-dir'), ...argValue(argv, 'db-dir')];
    if (dirs.length === 0) continue;
    const cwd = await realpath(join(proc, pid, 'cwd')).catch(() => '/');
    for (const d of dirs) {
      const r = await real(d, cwd);
      if (r === root || r.startsWith(`${root}/`)) {
        out.push({ kind: 'process', pid: Number(pid), cmd: argv.join(' ').slice(0, 200) });
        break;
      }
    }
  }
  return out;
}

/** Look for a live luxd on `dataDir` (never throws; what it could not see is in `blind`). */
export async function checkLive(dataDir: string, o: LiveCheckOptions): Promise<LiveCheck> {
  const proc = o.procRoot ?? '/proc';
  const root = await realpath(resolve(dataDir)).catch(() => resolve(dataDir));
  const blind: string[] = [];
  const holders: LiveHolder[] = [];
  let locks: Map<string, number> | undefined;
  try {
    locks = parseProcLocks(await readFile(join(proc, 'locks'), 'utf8'));
  } catch (e) {
    blind.push(`cannot read ${join(proc, 'locks')}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (locks && locks.size > 0) {
    for (const f of await lockFiles(root, o.maxDirs ?? 20_000, blind)) {
      const s = await stat(f, { bigint: true }).catch(() => undefined);
      if (!s) continue;
      const pid = locks.get(`${devString(s.dev)}:${s.ino}`);
      if (pid !== undefined) holders.push({ kind: 'lock', path: f, ...(pid > 0 ? { pid } : {}) });
    }
  }
  holders.push(...(await processesOn(root, proc, o.selfPid, blind)));
  return { holders, blind };
}

/** One line naming what holds the data dir. */
export function describeHolders(holders: readonly LiveHolder[]): string {
  return holders
    .map((h) => (h.kind === 'lock' ? `${h.pid !== undefined ? `pid ${h.pid}` : 'a process'} holds a lock on ${h.path}` : `pid ${h.pid} runs with this data dir: ${h.cmd}`))
    .join('; ');
}
