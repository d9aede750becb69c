// Start a built executable's faucet as a long-running child process and wait (bounded) for its
// "faucet listening" line; the black-box faucet tests share it. Children are tracked so a test
// file's `after` can SIGKILL whatever is left.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ROOT, jsonLines, BIN_VARIANTS } from '../helpers/run-bin.js';

export type BinVariant = (typeof BIN_VARIANTS)[number];

export interface Served {
  child: ChildProcess;
  url: string;
  admin: string | undefined;
  stderr(): string;
  exit: Promise<number | null>;
}

export const children: ChildProcess[] = [];

/** SIGKILL every child still running (a test file's `after`). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Start `faucet args` with `env` (PATH only besides) and wait up to 30 s for it to listen. */
export function serve(run: BinVariant, args: string[], env: Record<string, string>, cwd = ROOT): Promise<Served> {
  const child = spawn(run.file, [...run.pre, 'faucet', ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout!.resume();
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "faucet listening" within 30s: ${err}`)), 30_000);
    const check = () => {
      const line = jsonLines(err).find((l) => l.msg === 'faucet listening');
      if (line) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve({ child, url: String(line.url), admin: line.admin === undefined ? undefined : String(line.admin), stderr: () => err, exit });
      }
    };
    child.stderr!.on('data', check);
    void exit.then((code) => reject(new Error(`exited ${code} before listening: ${err}`)));
  });
}

/** SIGKILL a served faucet and wait until it is gone. */
export async function sigkill(s: Served): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exit;
}
