// The process binding of the multi-call entry: the only place that reads process.argv/env, installs
// process-wide signal handling and calls process.exit. The .cjs bundles, the per-utility bundles and
// the single executable all start here.
import { dispatch } from './core/dispatch.js';
import type { Command, Deps } from './core/command.js';
import { installShutdown } from './core/shutdown.js';
import { chunkLoads } from './core/embedded-chunk.js';

declare const __LUXOPS_VERSION__: string | undefined;
export const VERSION: string = typeof __LUXOPS_VERSION__ === 'string' ? __LUXOPS_VERSION__ : '0.0.0-dev';

function detectSea(): boolean {
  // node:sea is false everywhere but the single executable; getBuiltinModule (Node >= 20.16) avoids
  // loading node:module for a createRequire
  const sea = process.getBuiltinModule('node:sea') as { isSea?: () => boolean } | undefined;
  return Boolean(sea?.isSea?.());
}

/** Run the dispatcher for this process and exit with its code. */
export function runEntry(commands: readonly Command[], fixed?: string): void {
  // stderr carries JSON log lines only: the AWS SDK's multi-line Node-version notice (printed on
  // Node 20; the single executable runs Node 22) would break log parsers. Operators can opt back in.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
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
