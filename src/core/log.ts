// pino JSON lines on stderr. No transports: they spawn worker threads that a single-file bundle
// (and the SEA binary) cannot load. The redaction list is the last line of defence: code never
// puts secrets in log fields on purpose, and anything that slips in under these names is censored.
import type { DestinationStream, Logger } from 'pino';
import { loadPino } from './pino-lazy.cjs';
import { PrettySink } from './pretty-log.js';
import type { LogSink } from './pretty-log.js';

export type { Logger } from 'pino';
export type { LogSink };
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Field names whose values must never reach a log line, at any depth we know of. */
export const REDACT_PATHS: string[] = [
  'key', 'keys', 'privateKey', 'secret', 'secretKey', 'password', 'token', 'authorization', 'Authorization',
  'dataKey', 'plaintext', 'faucetKey', 'cookie',
  '*.key', '*.keys', '*.privateKey', '*.secret', '*.secretKey', '*.password', '*.token', '*.authorization',
  '*.Authorization', '*.dataKey', '*.plaintext', '*.faucetKey', '*.cookie',
  'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'req.headers.cookie',
  'config.key', 'config.faucetKey',
];

/**
 * Create the command logger: `component` is stamped on every line. `format` 'pretty' writes human
 * lines through PrettySink (a live progress line when `columns` says stderr is a terminal);
 * 'auto' is pretty exactly when it is.
 */
export function createLogger(opts: { level: LogLevel | string; component: string; sink?: LogSink; format?: string; columns?: number }): Logger {
  const pino = loadPino();
  let dest: LogSink = opts.sink ?? pino.destination({ fd: 2, sync: true });
  if (opts.format === 'pretty' || (opts.format === 'auto' && opts.columns !== undefined)) dest = new PrettySink(dest, { columns: opts.columns });
  return pino(
    {
      level: opts.level,
      base: { component: opts.component },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest as DestinationStream,
  );
}

/**
 * A logger that creates its pino instance on first use: the commands' loggers are made before
 * `run`, and `startup` must spawn luxd before paying for pino (and for the stderr stream it writes
 * to). Every property (info, child, level, ...) is the real logger's, so callers see a pino Logger.
 */
export function lazyLogger(make: () => Logger): Logger {
  let real: Logger | undefined;
  const get = (): Logger => (real ??= make());
  return new Proxy({} as Logger, {
    get(_t, prop) {
      const r = get();
      const v: unknown = Reflect.get(r, prop, r);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
    },
    set(_t, prop, value) {
      return Reflect.set(get(), prop, value);
    },
    has(_t, prop) {
      return Reflect.has(get(), prop);
    },
  });
}

/** A logger that drops everything (for library calls in tests that do not care). */
export function silentLogger(): Logger {
  return loadPino()({ level: 'silent' });
}
