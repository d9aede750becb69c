// Black-box harness: run a built executable as a child process and collect what it printed.
import { spawn } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The artifacts black-box tests run: the .cjs bundle (under node) and the single executable. */
export const BINARIES = {
  cjs: join(ROOT, 'dist/luxops.cjs'),
  sea: join(ROOT, 'dist/luxops'),
} as const;

/** Every built executable a black-box test runs a command through: `file` + `pre` + command args. */
export const BIN_VARIANTS = [
  { name: 'luxops.cjs', file: process.execPath, pre: [BINARIES.cjs] as string[] },
  { name: 'luxops (single executable)', file: BINARIES.sea, pre: [] as string[] },
] as const;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Run `file args` with a hard time limit (the child is SIGKILLed past it). */
export function runBin(file: string, args: readonly string[], opts: SpawnOptions & { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
    child.stdin!.end(opts.input ?? '');
  });
}

/** Parse the pino JSON lines of a stderr capture. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
