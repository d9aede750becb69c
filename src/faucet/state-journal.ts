// --state-file: the rate-limit charges as an append-only journal (JSON lines, mode 0600). A drip's
// charge is appended and fdatasynced *before* its transfer is sent, and a release is appended only
// when the send provably failed; so a SIGKILL at any point leaves the charge on disk for every
// transfer that may have happened (at worst a charge without a transfer, never the reverse).
// Concurrent charges share one write + fdatasync (group commit). The file is rewritten compacted
// (atomically: temp file, fsync, rename) at startup and when it has grown; a temp file left by a
// crash during that rewrite is removed at the next start.
//   {"luxops":"faucet-state","v":2}          header
//   {"t":1700000000000,"ip":"1.2.3.4","a":"0xab..","c":7}   a charge (c: id while its send is open)
//   {"r":7}                                  release of charge 7 (its transfer was never sent)
//   a charge also carries "w" (wei, decimal string) when --daily-budget is on: its share of the budget
import { open, readFile, readdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensureDir, replaceFileAtomic } from '../core/files.js';
import { LuxopsError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { DripLimits } from './rate-limiter.js';
import type { RollingBudget } from './budget.js';

const HEADER = JSON.stringify({ luxops: 'faucet-state', v: 2 });

interface Charge {
  t: number;
  ip?: string;
  a?: string;
  /** wei taken from --daily-budget */
  w?: string;
  c?: number;
}

function fail(path: string, why: string, cause?: unknown): LuxopsError {
  return new LuxopsError('E_STATE_FILE', `--state-file ${path}: ${why}`, { cause });
}

/** Parse the file's text into live charges; a torn last line (crash mid-append) is ignored. */
export function parseJournal(path: string, text: string): { charges: Charge[]; torn: boolean } {
  if (text.trim() === '') return { charges: [], torn: false };
  if (text.trimStart().startsWith('{"version"')) return { charges: parseV1(path, text), torn: false };
  const lines = text.split('\n');
  // every complete line ends with \n: whatever follows the last one was being written when we died
  const tail = lines.pop() ?? '';
  if (lines[0] !== HEADER) throw fail(path, 'not a faucet state file (v2 journal); move it away to start with empty limits');
  const open = new Map<number, Charge>();
  const done: Charge[] = [];
  for (let i = 1; i < lines.length; i++) {
    let rec: Charge & { r?: number };
    try {
      rec = JSON.parse(lines[i]!) as Charge & { r?: number };
    } catch {
      throw fail(path, `line ${i + 1} is not valid JSON; move the file away to start with empty limits`);
    }
    if (typeof rec.r === 'number') open.delete(rec.r);
    else if (typeof rec.t === 'number') (typeof rec.c === 'number' ? open.set(rec.c, rec) : done.push(rec));
  }
  return { charges: [...done, ...open.values()], torn: tail !== '' };
}

/** The version 1 format (one JSON document, written by earlier releases). */
function parseV1(path: string, text: string): Charge[] {
  let doc: { version?: unknown; ip?: unknown; address?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw fail(path, 'not valid JSON; move it away to start with empty limits');
  }
  if (!doc || doc.version !== 1 || typeof doc.ip !== 'object' || typeof doc.address !== 'object') throw fail(path, 'not a faucet state file (version 1); move it away to start with empty limits');
  const out: Charge[] = [];
  for (const [table, key] of [[doc.ip, 'ip'], [doc.address, 'a']] as const) {
    for (const [k, ts] of Object.entries(table as Record<string, unknown>)) if (Array.isArray(ts)) for (const t of ts) if (typeof t === 'number') out.push({ t, [key]: k });
  }
  return out;
}

export interface JournalOptions {
  /** rewrite compacted once this many bytes were appended since the last rewrite (and the file doubled) */
  compactAfterBytes?: number | undefined;
  /** --daily-budget: restored from and journaled with the charges */
  budget?: RollingBudget | undefined;
}

export class StateJournal {
  private fh: FileHandle | undefined;
  private nextId = 1;
  private readonly openCharges = new Map<number, Charge>();
  private queue: string[] = [];
  private waiters: Array<{ resolve(): void; reject(e: unknown): void }> = [];
  private running: Promise<void> | undefined;
  private appended = 0;
  private compactedSize = 0;
  /** failed writes (metrics and admin health) */
  writeErrors = 0;
  lastError: string | undefined;

  private constructor(
    private readonly path: string,
    private readonly limits: DripLimits,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly compactAfter: number,
    private readonly budget: RollingBudget | undefined,
  ) {}

  /** Remove temp files, load the journal into `limits`, rewrite it compacted, open it for appends. */
  static async open(path: string, limits: DripLimits, now: () => number, log: Logger, opts: JournalOptions = {}): Promise<{ journal: StateJournal; restored: number }> {
    const j = new StateJournal(path, limits, now, log, opts.compactAfterBytes ?? 1024 * 1024, opts.budget);
    try {
      await ensureDir(dirname(path));
      await removeStaleTemps(path, log);
    } catch (e) {
      throw fail(path, `cannot prepare its directory (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)})`, e);
    }
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
    }
    const { charges, torn } = parseJournal(path, text);
    if (torn) log.warn({ path }, 'state file ends in a partly written line (a crash while appending): ignored');
    const ip: Record<string, number[]> = {};
    const address: Record<string, number[]> = {};
    for (const c of charges) {
      if (c.ip !== undefined) (ip[c.ip] ??= []).push(c.t);
      if (c.a !== undefined) (address[c.a] ??= []).push(c.t);
    }
    const t = now();
    limits.ip.restore(ip, t);
    limits.address.restore(address, t);
    opts.budget?.restore(charges.flatMap((c) => (c.w !== undefined ? [[c.t, c.w]] : [])));
    try {
      await j.compact();
    } catch (e) {
      throw fail(path, `cannot write (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)})`, e);
    }
    return { journal: j, restored: limits.ip.size + limits.address.size };
  }

  /** Journal a charge and wait until it is on disk; returns its id for settle/release. */
  async charge(ip: string, address: string, t: number, budgetWei?: bigint): Promise<number> {
    const id = this.nextId++;
    const rec: Charge = { t, ...(this.limits.ip.enabled ? { ip } : {}), ...(this.limits.address.enabled ? { a: address } : {}), ...(budgetWei !== undefined ? { w: budgetWei.toString() } : {}) };
    if (rec.ip === undefined && rec.a === undefined && rec.w === undefined) return id;
    this.openCharges.set(id, rec);
    try {
      await new Promise<void>((resolve, reject) => {
        this.waiters.push({ resolve, reject });
        this.enqueue(JSON.stringify({ ...rec, c: id }));
      });
    } catch (e) {
      this.openCharges.delete(id);
      throw new LuxopsError('E_STATE_WRITE', `--state-file ${this.path}: cannot record the charge (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)})`, { cause: e });
    }
    return id;
  }

  /** The transfer was sent (or may have been): the charge stands. */
  settle(id: number): void {
    this.openCharges.delete(id);
  }

  /** The transfer was provably never sent: give the charge back (not awaited: if lost, the charge stands). */
  release(id: number): void {
    if (this.openCharges.delete(id)) this.enqueue(JSON.stringify({ r: id }));
  }

  /** Wait for pending writes, then close the file (shutdown). */
  async close(): Promise<void> {
    while (this.running) await this.running;
    await this.fh?.close();
    this.fh = undefined;
  }

  private enqueue(line: string): void {
    this.queue.push(line + '\n');
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue.join('');
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        if (!this.fh) this.fh = await open(this.path, 'a', 0o600);
        await this.fh.write(lines);
        await this.fh.datasync();
        this.appended += Buffer.byteLength(lines);
        for (const w of waiters) w.resolve();
      } catch (e) {
        this.writeErrors++;
        this.lastError = errorMessage(e);
        this.log.error({ code: 'E_STATE_WRITE', path: this.path }, `cannot append to the state file: ${this.lastError}`);
        // reopen next time (the file may have been replaced or the handle broken)
        await this.fh?.close().catch(() => undefined);
        this.fh = undefined;
        for (const w of waiters) w.reject(e);
      }
      if (this.queue.length === 0 && this.appended > Math.max(this.compactAfter, this.compactedSize)) {
        await this.compact().catch((e: unknown) => this.log.warn({ code: 'E_STATE_WRITE', path: this.path }, `cannot compact the state file: ${errorMessage(e)}`));
      }
    }
  }

  /** Rewrite the file with only live charges (open ones keep their ids), atomically. */
  private async compact(): Promise<void> {
    const t = this.now();
    const lines = [HEADER];
    for (const [ip, ts] of Object.entries(this.limits.ip.snapshot(t))) for (const x of ts) lines.push(JSON.stringify({ t: x, ip }));
    for (const [a, ts] of Object.entries(this.limits.address.snapshot(t))) for (const x of ts) lines.push(JSON.stringify({ t: x, a }));
    for (const [x, w] of this.budget?.snapshot() ?? []) lines.push(JSON.stringify({ t: x, w }));
    for (const [c, rec] of this.openCharges) lines.push(JSON.stringify({ ...rec, c }));
    const text = lines.join('\n') + '\n';
    await replaceFileAtomic(this.path, 0o600, async (tmp) => {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(text);
      } finally {
        await fh.close();
      }
    });
    await this.fh?.close();
    this.fh = await open(this.path, 'a', 0o600);
    this.appended = 0;
    this.compactedSize = Buffer.byteLength(text);
  }
}

/** Remove temp files a crash left next to the state file (our own naming: .<name>.tmp-<pid>-<hex>). */
async function removeStaleTemps(path: string, log: Logger): Promise<void> {
  const prefix = `.${basename(path)}.tmp-`;
  for (const name of await readdir(dirname(path))) {
    if (!name.startsWith(prefix)) continue;
    await unlink(join(dirname(path), name)).catch(() => undefined);
    log.info({ path: join(dirname(path), name) }, 'removed a temp file left by an interrupted state file rewrite');
  }
}
