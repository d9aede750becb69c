// The last line of defence: an uncaught exception or an unhandled rejection is a bug, and still ends
// as one JSON log line (what a log pipeline can parse and alert on) plus a documented exit code,
// never as Node's multi-line report. In the single executable that report was worse than useless:
// Node's error-source printer tried to show the failing line and printed
// `SyntaxError: Expecting Unicode escape sequence` instead of the error.
import { writeSync } from 'node:fs';
import { EXIT } from './exit-codes.js';
import { redactUrlsIn } from './redact-url.js';

export interface CrashSource {
  on(event: 'uncaughtException', fn: (e: unknown, origin: string) => void): unknown;
  on(event: 'unhandledRejection', fn: (reason: unknown) => void): unknown;
}

export interface CrashOptions {
  /** the command running (the `component` of every log line), or undefined before one was chosen */
  component: () => string | undefined;
  version: string;
  /** one whole line, written synchronously: the process exits right after */
  write: (line: string) => void;
  exit: (code: number) => void;
  now?: () => Date;
}

/** The one JSON line for a crash: pino's shape (level, time, component, msg) plus code and stack. */
export function crashLine(e: unknown, origin: string, opts: Pick<CrashOptions, 'component' | 'version' | 'now'>): string {
  const err = e instanceof Error ? e : undefined;
  const message = redactUrlsIn(err ? err.message : safeString(e));
  const own = err ? (err as { code?: unknown }).code : undefined;
  const kind = origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception';
  return JSON.stringify({
    level: 'fatal',
    time: (opts.now?.() ?? new Date()).toISOString(),
    component: opts.component() ?? 'luxops',
    code: typeof own === 'string' && own !== '' ? own : 'E_INTERNAL_CRASH',
    origin,
    msg: `${kind} (a bug in luxops ${opts.version}): ${message}`,
    stack: err?.stack === undefined ? undefined : redactUrlsIn(err.stack),
    node: process.version,
  });
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/**
 * Install the process-wide handlers: one JSON line on stderr, then exit EXIT.CRASH. A second crash
 * while the first is being reported (e.g. stderr itself is broken) exits at once. Returns the
 * handler, for failures the entry catches itself.
 */
export function installCrashHandlers(source: CrashSource, opts: CrashOptions): (e: unknown, origin: string) => void {
  let crashed = false;
  const handle = (e: unknown, origin: string) => {
    if (crashed) return opts.exit(EXIT.CRASH);
    crashed = true;
    try {
      opts.write(crashLine(e, origin, opts) + '\n');
    } catch {
      // nothing left to report to; the exit code still says what happened
    }
    opts.exit(EXIT.CRASH);
  };
  source.on('uncaughtException', (e, origin) => handle(e, origin === 'unhandledRejection' ? origin : 'uncaughtException'));
  source.on('unhandledRejection', (reason) => handle(reason, 'unhandledRejection'));
  return handle;
}

/** stderr without the stream machinery: a crash may happen while process.stderr is the problem. */
export function writeStderrSync(line: string): void {
  writeSync(2, line);
}
