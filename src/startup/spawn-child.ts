// Start luxd as our child, in its own process group, with stdio inherited byte for byte (luxd's
// logs reach the container log unchanged). A missing binary is 127 and a non-executable one 126,
// like a shell, each with one clear line instead of a spawn stack trace.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { LuxopsError } from '../core/errors.js';
import { EXIT, exitCodeForSignal } from '../core/exit-codes.js';

/** How the child ended (execa-style flat result). */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** what the supervisor exits with: the code, or 128+n for signal n */
  readonly exitCode: number;
}

export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  /** resolves once, when the child has exited */
  readonly exited: Promise<ChildExit>;
}

function notFound(cmd: string): LuxopsError {
  return new LuxopsError('E_CHILD_NOT_FOUND', `cannot run ${cmd}: no such file`, { exitCode: EXIT.NOT_FOUND });
}
function notExecutable(cmd: string, why: string): LuxopsError {
  return new LuxopsError('E_CHILD_NOT_EXECUTABLE', `cannot run ${cmd}: ${why}`, { exitCode: EXIT.CANNOT_EXECUTE });
}

/**
 * Resolve `cmd` like execvp does (PATH lookup when it has no slash) and check it can run.
 * Synchronous on purpose: it runs once, before the spawn, when nothing else is waiting, and the
 * async fs calls would first start libuv's thread pool (and load node:fs/promises) on luxd's clock.
 */
export async function resolveExecutable(cmd: string, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const candidates = cmd.includes('/')
    ? [resolve(cmd)]
    : (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).filter(Boolean).map((d) => join(d, cmd));
  let firstDenied: string | undefined;
  for (const path of candidates) {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES') firstDenied ??= 'permission denied';
      continue;
    }
    if (st.isDirectory()) {
      firstDenied ??= 'is a directory';
      continue;
    }
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      firstDenied ??= 'permission denied (not executable)';
    }
  }
  if (firstDenied !== undefined) throw notExecutable(cmd, firstDenied);
  throw notFound(cmd);
}

/**
 * Spawn `file args` detached (its own process group, so the group can be signalled as a whole
 * and a terminal's Ctrl-C reaches luxd only through us). Resolves once the process exists.
 */
export function spawnChild(file: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>, displayName: string): Promise<Child> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, { stdio: 'inherit', detached: true, env: env as NodeJS.ProcessEnv, argv0: displayName });
    } catch (e) {
      reject(notExecutable(displayName, (e as Error).message));
      return;
    }
    const exited = new Promise<ChildExit>((res) => {
      child.once('exit', (code, signal) => res({ code, signal, exitCode: signal ? exitCodeForSignal(signal) : (code ?? EXIT.FAILURE) }));
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      // only spawn failures reach here before 'spawn'; kill() failures are handled by the caller
      if (e.code === 'ENOENT') reject(notFound(displayName));
      else if (e.code === 'EACCES' || e.code === 'ENOEXEC') reject(notExecutable(displayName, e.code === 'EACCES' ? 'permission denied' : 'exec format error'));
      else reject(new LuxopsError('E_CHILD_SPAWN', `cannot run ${displayName}: ${e.code ?? e.message}`, { cause: e }));
    });
    child.once('spawn', () => resolve({ pid: child.pid!, process: child, exited }));
  });
}
