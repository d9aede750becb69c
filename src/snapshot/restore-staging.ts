// The staging dir of a restore lives inside the data dir (same filesystem: the final move is
// renames) and is named `.restore-snapshot.tmp-<pid>-<boot>-XXXXXX`, so a later run can tell a
// leftover of a killed run from a restore still running, and removes only its own kind of dir.
// Before anything moves into the data dir, every file and directory of the staged tree is fsynced;
// the directories that received renames are fsynced after the move. Only then is the marker written.
import { mkdtemp, readdir, rename, rm, lstat, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readBootId } from '../core/boot-id.js';

export const STAGING_PREFIX = '.restore-snapshot.tmp-';
// this version's names, and the names earlier versions used (mkdtemp's 6 characters only)
const OURS = /^\.restore-snapshot\.tmp-(?:(\d+)-([0-9a-f]{8})-)?[A-Za-z0-9]{6}$/;

async function bootTag(): Promise<string> {
  return ((await readBootId()) ?? '00000000').replace(/-/g, '').slice(0, 8).padEnd(8, '0');
}

/** A fresh staging dir in `dataDir` named for this process and boot. */
export async function createStaging(dataDir: string): Promise<string> {
  return mkdtemp(join(dataDir, `${STAGING_PREFIX}${process.pid}-${await bootTag()}-`));
}

/** True when the process that made a staging dir is still a restore running on this boot. */
async function stillRunning(pid: number, boot: string): Promise<boolean> {
  if (pid === process.pid || boot !== (await bootTag())) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists, as another user
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // a pid can be reused (and pid namespaces differ between pods): only a restore counts
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
  return cmdline.includes('restore-snapshot');
}

/** Remove staging dirs that earlier (killed) runs left in `dataDir`; returns how many. */
export async function removeStaleStaging(dataDir: string, log: Logger): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dataDir)) {
    const m = OURS.exec(name);
    if (!m) continue;
    const path = join(dataDir, name);
    // a symlink named like ours is not ours: never follow it
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    if (m[1] !== undefined && (await stillRunning(Number(m[1]), m[2]!))) {
      log.warn({ path, pid: Number(m[1]) }, 'a staging dir of a restore that is still running; leaving it');
      continue;
    }
    await rm(path, { recursive: true, force: true });
    log.info({ path }, 'removed the staging dir of an earlier, interrupted restore');
    removed++;
  }
  return removed;
}

/**
 * Move every entry of `from` into `to`: new names are renamed, directories merged, files
 * replaced. Returns the directories that received renames (to fsync them).
 */
export async function moveInto(from: string, to: string, touched: string[] = []): Promise<string[]> {
  let renamed = false;
  for (const name of await readdir(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    const [s, d] = await Promise.all([lstat(src), lstat(dst).catch(() => undefined)]);
    if (d && d.isDirectory() && s.isDirectory()) {
      await moveInto(src, dst, touched);
      continue;
    }
    if (d && d.isDirectory() !== s.isDirectory()) await rm(dst, { recursive: true, force: true });
    await rename(src, dst);
    renamed = true;
  }
  if (renamed) touched.push(to);
  return touched;
}

/** fsync each path (files and directories), `width` at a time; paths gone meanwhile are skipped. */
export async function fsyncAll(paths: readonly string[], width = 4): Promise<void> {
  let next = 0;
  const one = async () => {
    while (next < paths.length) {
      const p = paths[next++]!;
      const fh = await open(p, 'r').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
      if (!fh) continue;
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, paths.length) }, one));
}

/**
 * fsyncs files in the background, one at a time, while the archive is still being extracted: their
 * writeback overlaps with the download instead of all of it waiting for the end (the kernel would
 * start it only after 30 s or GBs of dirty pages), and the dirty page cache a pod's memory cgroup
 * is charged for stays small. One at a time keeps the thread pool free for gunzip; `drain` does
 * what is left four at a time (concurrent fsyncs share journal commits) and reports the first failure.
 */
export class BackgroundSync {
  private readonly queue: string[] = [];
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  private stopped = false;

  add(path: string): void {
    this.queue.push(path);
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  private async run(): Promise<void> {
    for (let p = this.queue.shift(); p !== undefined && !this.stopped; p = this.queue.shift()) {
      await fsyncAll([p], 1).catch((e: unknown) => void (this.failure ??= { error: e }));
    }
  }

  /** Everything added is on disk (or the first failure is thrown). */
  async drain(): Promise<void> {
    const rest = this.queue.splice(0);
    await Promise.all([this.running, fsyncAll(rest, 4).catch((e: unknown) => void (this.failure ??= { error: e }))]);
    if (this.failure) throw this.failure.error;
  }

  /** The run failed: finish the fsync in flight and drop the rest. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.running;
  }
}
