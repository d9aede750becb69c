// The process binding of the multi-call entry: the only place that reads process.argv/env, installs
// process-wide signal handling and calls process.exit. The .cjs bundles, the per-utility bundles and
// the single executable all start here.
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { KUBE_GET_COMMAND, runKubeGetHelper } from './startup/kube-helper.js';
import { dispatch } from './core/dispatch.js';
import type { Command, Deps } from './core/command.js';
import { installShutdown } from './core/shutdown.js';
import { chunkLoads } from './core/embedded-chunk.js';
import { EXIT } from './core/exit-codes.js';
import { installCrashHandlers, writeStderrSync } from './core/crash.js';

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
  let running: string | undefined = fixed;
  const crash = installCrashHandlers(process, { component: () => running, version: VERSION, write: writeStderrSync, exit: (code) => process.exit(code) });
  const isSea = detectSea();
  // SEA: argv = [exe, exe, ...args] and argv0 keeps the name we were invoked as (a symlink name).
  // Script: argv = [node, script, ...args]; argv[1] keeps the symlink path as typed.
  const invokedAs = isSea ? process.argv0 : (process.argv[1] ?? 'luxops');
  const args = process.argv.slice(2);
  const makeDeps = (cmd: Command | undefined): Deps => {
    running = cmd?.name;
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
      // isatty() is a syscall; the streams are only built when one is a terminal (80 columns when
      // the terminal does not say)
      get stdoutColumns() {
        return isatty(1) ? process.stdout.columns || 80 : undefined;
      },
      get stderrColumns() {
        return isatty(2) ? process.stderr.columns || 80 : undefined;
      },
      signal: shutdown.signal,
      signals: process,
      pid: process.pid,
      execPath: process.execPath,
      isSea,
      selfCommand: isSea ? [process.execPath] : [process.execPath, process.argv[1] ?? ''],
      prog: 'luxops',
      commandNames: commands.map((c) => c.name),
    };
  };
  if (!fixed && args[0] === CRASH_COMMAND) return crashOnPurpose(args[1]);
  // startup's Kubernetes API helper (startup/kube-helper.ts): accepted by every build, the
  // per-utility bundles included, since startup starts it as [its own executable, this command]
  if (args[0] === KUBE_GET_COMMAND) {
    running = 'startup';
    void runKubeGetHelper(args[1], (line) => writeSync(1, line)).then((code) => process.exit(code), (e: unknown) => crash(e, 'unhandledRejection'));
    return;
  }
  dispatch({ invokedAs, args, env: process.env, commands, version: VERSION, fixed, makeDeps }).then(
    (code) => {
      process.exitCode = code;
      // how the embedded chunks were compiled and which Node builtins the process loaded (the build's
      // tests check the SEA's code caches are used and that the supervisor stays off node:tls & co.)
      if (process.env.LUXOPS_DEBUG_CHUNKS === '1') process.stderr.write(JSON.stringify({ level: 'debug', chunks: chunkLoads(), builtins: loadedBuiltins() }) + '\n');
      // servers and timers are closed by the commands; exit explicitly so a stray handle cannot hang a pod
      setImmediate(() => process.exit(code));
    },
    // a command's main reports its own failures; reaching here is a bug, reported like any other
    (e: unknown) => crash(e, 'unhandledRejection'),
  );
}

/**
 * Hidden command for the tests of every build: `luxops __crash exception|rejection` fails the way a
 * bug would, after the entry is set up (not listed in --help, not suggested for typos).
 */
export const CRASH_COMMAND = '__crash';
function crashOnPurpose(how: string | undefined): void {
  // the URL shows that credentials and query strings never reach the crash line
  const err = new Error('deliberate crash (luxops __crash) fetching https://user:hunter2@example.invalid/x?token=s3cret');
  if (how === 'rejection') void Promise.reject(err);
  else setImmediate(() => {
    throw err;
  });
}

/** Public Node builtins loaded so far (`internal/*` left out), from process.moduleLoadList. */
function loadedBuiltins(): string[] {
  const list = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  return list.flatMap((m) => (m.startsWith('NativeModule ') && !m.startsWith('NativeModule internal/') ? [m.slice('NativeModule '.length)] : []));
}
