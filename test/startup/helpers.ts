// Shared pieces of the startup tests: drive `startupCommand.main` in-process against the real
// fake-luxd process (test/fixtures/fake-luxd.mjs), with bounded waits and guaranteed cleanup.
import { after } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startupCommand } from '../../src/startup/command.js';
import { captureDeps } from '../helpers/deps.js';
import type { CapturedDeps } from '../helpers/deps.js';
import type { Deps } from '../../src/core/command.js';

export const FAKE_LUXD = fileURLToPath(new URL('../fixtures/fake-luxd.mjs', import.meta.url));

import { freePort } from '../helpers/free-port.js';

export { freePort };

/** A temp dir removed after the test file. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'luxops-startup-'));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Poll `fn` every 20 ms until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The fake's JSON record (undefined until it wrote one). */
export interface FakeRecord {
  pid: number;
  pgid?: number;
  port?: number;
  signals: Array<{ signal: string }>;
  calls: Array<{ path: string; method: string; params: Record<string, unknown>; at: string }>;
  aliases: Record<string, string>;
  grandchildPid?: number;
  exit?: { code?: number; signal?: string };
}
export function readRecord(path: string): FakeRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as FakeRecord;
  } catch {
    return undefined;
  }
}

/** True while a process with `pid` exists (zombies count as gone for our purpose only after reaping). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface Running {
  readonly deps: CapturedDeps;
  readonly done: Promise<number>;
  readonly port: number;
  readonly record: string;
  /** the status server port, once its log line appeared */
  statusPort(): Promise<number>;
}

/** Start `startup [flags] -- node fake-luxd.mjs [fakeArgs]` in-process with a fresh port and record file. */
export async function startSupervisor(flags: readonly string[], fakeArgs: readonly string[] = [], deps: Partial<Deps> = {}, env: Record<string, string | undefined> = {}): Promise<Running> {
  const port = await freePort();
  const record = join(tempDir(), 'record.json');
  const d = captureDeps(deps);
  const argv = [
    '--api-url', `http://127.0.0.1:${port}`,
    '--health-interval', '50ms',
    '--running-interval', '100ms',
    ...flags,
    '--', process.execPath, FAKE_LUXD, `--http-port=${port}`, `--fake-record=${record}`, ...fakeArgs,
  ];
  const done = startupCommand.main(argv, { PATH: process.env.PATH, ...env }, d);
  // a test that fails mid-way must not leave luxd running: SIGKILL its group at the end
  after(async () => {
    const rec = readRecord(record);
    // every luxd this supervisor started (a C-chain recovery starts it again)
    const pids = new Set([...d.logs().filter((l) => String(l.msg).startsWith('started ')).map((l) => l.pid as number), rec?.pid]);
    for (const pid of pids) {
      // the group, even when luxd itself is gone: a member may have outlived it
      if (!pid) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (rec?.grandchildPid && alive(rec.grandchildPid)) process.kill(rec.grandchildPid, 'SIGKILL');
    await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
  });
  return { deps: d, done, port, record, statusPort: () => statusPortOf(d) };
}

/** The port the status server logged. */
export function statusPortOf(d: CapturedDeps): Promise<number> {
  return waitFor(() => d.logs().find((l) => typeof l.statusPort === 'number')?.statusPort as number | undefined, 'status server');
}

/** GET a status route: status code and parsed JSON (or text). */
export async function getStatus(port: number, path: string): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** Log lines with this message fragment. */
export function logsMatching(d: CapturedDeps, fragment: string): Array<Record<string, unknown>> {
  return d.logs().filter((l) => String(l.msg).includes(fragment));
}
