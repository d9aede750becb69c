// The process binding of the multi-call entry: the only place that reads process.argv/env, installs
// process-wide signal handling and calls process.exit. The .cjs bundles, the per-utility bundles and
// the single executable all start here.
import { dispatch } from './core/dispatch.js';
import type { Command, Deps } from './core/command.js';
import { installShutdown } from './core/shutdown.js';
import { chunkLoads } from './core/embedded-chunk.js';
import { EXIT } from './core/exit-codes.js';

declare const __LUXOPS_VERSION__: string | undefined;
export const VERSION: string = typeof __LUXOPS_VERSION__ === 'string' ? __LUXOPS_VERSION__ : '0.0.0-dev';

/** The oldest Node.js the bundles run on: undici 8 (the HTTP client) needs 22.19. */
export const MIN_NODE = '22.19.0';

/** True when `version` (process.versions.node, e.g. "20.20.2") is at least MIN_NODE. */
export function nodeSupported(version: string, min: string = MIN_NODE): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

function detectSea(): boolean {
  // node:sea is false everywhere but the single executable; getBuiltinModule (Node >= 20.16) avoids
  // loading node:module for a createRequire
  const sea = process.getBuiltinModule('node:sea') as { isSea?: () => boolean } | undefined;
  return Boolean(sea?.isSea?.());
}

/** Run the dispatcher for this process and exit with its code. */
export function runEntry(commands: readonly Command[], fixed?: string): void {
  // A bundle started by an older node (Debian's Node 20) would fail later and obscurely, inside
  // undici (and the AWS SDK would print its multi-line end-of-support notice, which is not JSON);
  // say so once, up front. The single executable always carries its own Node 24.
  if (!nodeSupported(process.versions.node)) {
    process.stderr.write(`luxops: needs Node.js >= ${MIN_NODE}, this is ${process.version} (the single executable dist/luxops brings its own Node)\n`);
    process.exit(EXIT.FAILURE);
  }
  const isSea = detectSea();
  // SEA: argv = [exe, exe, ...args] and argv0 keeps the name we were invoked as (a symlink name).
  // Script: argv = [node, script, ...args]; argv[1] keeps the symlink path as typed.
  const invokedAs = isSea ? process.argv0 : (process.argv[1] ?? 'luxops');
  const args = process.argv.slice(2);
  const makeDeps = (cmd: Command | undefined): Deps => {
    const shutdown = cmd && !cmd.handlesSignals
      ? installShutdown(process, (code) => process.exit(code))
      : { signal: new AbortController().signal, dispose() {} };
    return {
      // getters: process.stdout/stderr are built on first access (a net.Socket or a SyncWriteStream,
      // ~5 ms each), and `startup` spawns luxd before it writes anything
      get stdout() {
        return process.stdout;
      },
      get stderr() {
        return process.stderr;
      },
      signal: shutdown.signal,
      signals: process,
      pid: process.pid,
      execPath: process.execPath,
      isSea,
      prog: 'luxops',
      commandNames: commands.map((c) => c.name),
    };
  };
  dispatch({ invokedAs, args, env: process.env, commands, version: VERSION, fixed, makeDeps }).then(
    (code) => {
      process.exitCode = code;
      // how the embedded chunks were compiled (the build's tests check the SEA's code caches are used)
      if (process.env.LUXOPS_DEBUG_CHUNKS === '1') process.stderr.write(JSON.stringify({ level: 'debug', chunks: chunkLoads() }) + '\n');
      // servers and timers are closed by the commands; exit explicitly so a stray handle cannot hang a pod
      setImmediate(() => process.exit(code));
    },
    (e: unknown) => {
      process.stderr.write(`luxops: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
