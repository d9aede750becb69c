// --dev: a throwaway local chain. Finds the anvil binary that npm `@foundry-rs/anvil` installed,
// starts it on 127.0.0.1 (free port, chain 96369), waits until eth_chainId answers, and stops it
// on shutdown, or when this process dies in any way (see GUARD). The platform binary is run, not
// npm's node wrapper, so stopping it stops anvil.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createJsonRpcClient } from '../core/http.js';
import { LuxopsError } from '../core/errors.js';

/** anvil's well-known first dev account (public: printed by every anvil and in Foundry's docs). */
export const ANVIL_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const DEV_CHAIN_ID = 96369;

function platformPackage(): string | undefined {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  return arch && ['linux', 'darwin', 'win32'].includes(process.platform) ? `anvil-${process.platform}-${arch}` : undefined;
}

/** Candidate anvil paths under `node_modules` of `start` and every parent directory. */
function candidatesFrom(start: string): string[] {
  const out: string[] = [];
  const pkg = platformPackage();
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (pkg) out.push(join(dir, 'node_modules', '@foundry-rs', pkg, 'bin', exe));
    out.push(join(dir, 'node_modules', '@foundry-rs', 'anvil', 'dist', exe));
    if (dirname(dir) === dir) return out;
  }
}

/** The anvil binary: --anvil-bin, else searched upward from each start directory (cwd, the bundle's dir). */
export function findAnvil(explicit: string | undefined, starts: readonly string[]): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new LuxopsError('E_ANVIL_NOT_FOUND', `--anvil-bin ${explicit}: no such file`, { exitCode: 2 });
    return explicit;
  }
  for (const s of starts) for (const c of candidatesFrom(s)) if (existsSync(c)) return c;
  throw new LuxopsError('E_ANVIL_NOT_FOUND', 'anvil not found: run `npm ci` in the luxops checkout (it installs @foundry-rs/anvil) or pass --anvil-bin', { exitCode: 2 });
}

/** A port that was free a moment ago (anvil needs an explicit port). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface DevNode {
  readonly url: string;
  readonly port: number;
  /** the process this faucet started (the guard when there is one) */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * anvil has no option to follow its parent, so on a machine with /bin/sh it runs under a small
 * guard: the guard holds the read end of a pipe whose write end only this process has. When this
 * process exits in any way (SIGKILL included) the pipe closes, the guard's `read` returns, and it
 * stops anvil. A graceful stop is the same: close the pipe. The guard and anvil get their own
 * process group, so the last resort (SIGKILL to the group) cannot miss anvil.
 */
const GUARD = [
  'exec 3<&0 0</dev/null',
  '"$@" 3<&- &',
  'a=$!',
  "trap 'kill -TERM $a 2>/dev/null' TERM INT HUP",
  '{ read -r _ <&3; kill -TERM $a 2>/dev/null; } &',
  'w=$!',
  'exec 3<&-',
  'wait $a; s=$?',
  'while kill -0 $a 2>/dev/null; do wait $a; s=$?; done',
  'kill $w 2>/dev/null',
  'exit $s',
].join('\n');
const SH = '/bin/sh';

function spawnGuarded(bin: string, args: string[]): { child: ChildProcess; guarded: boolean } {
  if (process.platform !== 'win32' && existsSync(SH)) {
    return { child: spawn(SH, ['-c', GUARD, 'anvil-guard', bin, ...args], { stdio: ['pipe', 'ignore', 'pipe'], detached: true }), guarded: true };
  }
  return { child: spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] }), guarded: false };
}

function stopChild(child: ChildProcess, guarded: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const kill = setTimeout(() => {
      try {
        if (guarded && child.pid) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      res();
    });
    if (guarded) child.stdin!.end();
    else child.kill('SIGTERM');
  });
}

/** Start anvil and wait (bounded) until it answers eth_chainId. */
export async function startDevNode(bin: string, chainId = DEV_CHAIN_ID, extraArgs: readonly string[] = []): Promise<DevNode> {
  const port = await freePort();
  const { child, guarded } = spawnGuarded(bin, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), ...extraArgs]);
  // the guard's pipe must not keep this process alive, nor fail it if the guard is gone
  child.stdin?.on('error', () => undefined);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const url = `http://127.0.0.1:${port}`;
  const rpc = createJsonRpcClient(url, { timeoutMs: 1000 });
  for (let i = 0; i < 150; i++) {
    if (spawnError || child.exitCode !== null) {
      throw new LuxopsError('E_ANVIL_FAILED', `anvil ${bin} did not start: ${spawnError?.message ?? `exit ${child.exitCode}`} ${stderr.trim().split('\n').pop() ?? ''}`.trim());
    }
    try {
      await rpc.call('eth_chainId');
      return { url, port, pid: child.pid, stop: () => stopChild(child, guarded) };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stopChild(child, guarded);
  throw new LuxopsError('E_ANVIL_FAILED', `anvil on ${url} did not answer eth_chainId within 15s`);
}
