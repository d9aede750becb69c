// pino JSON lines on stderr. No transports: they spawn worker threads that a single-file bundle
// (and the SEA binary) cannot load. The secret field names are the last line of defence: code never
// puts secrets in log fields on purpose, and anything that slips in under these names is censored.
import type { DestinationStream, Logger } from 'pino';
import { loadPino } from './pino-lazy.cjs';
import { PrettySink } from './pretty-log.js';
import { isoUtc } from './utc-time.js';
import type { LogSink } from './pretty-log.js';

export type { Logger } from 'pino';
export type { LogSink };
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Field names whose values must never reach a log line: censored at any depth (up to
 * CENSOR_MAX_DEPTH objects down, arrays included), in the line's fields and in child bindings.
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'key', 'keys', 'privateKey', 'secret', 'secretKey', 'password', 'token', 'authorization', 'Authorization',
  'dataKey', 'plaintext', 'faucetKey', 'cookie',
]);
const CENSOR = '[redacted]';
const CENSOR_MAX_DEPTH = 8;

/**
 * `v` with every SECRET_FIELDS value replaced by '[redacted]'; copy-on-write, so the caller's objects
 * are never changed and a line without secrets costs one walk and no allocation. This replaces
 * pino's `redact` paths: compiling those paths is a hot loop that made V8 bring its optimizing
 * compiler's code pages into the supervisor (+2.4 MB of its 60 MB budget, bench/RESULTS.md), and a
 * name censored at any depth is stricter than a list of paths.
 */
export function censorSecrets<T>(v: T, depth = 0): T {
  if (v === null || typeof v !== 'object' || depth > CENSOR_MAX_DEPTH) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    v.forEach((item: unknown, i) => {
      const c = censorSecrets(item, depth + 1);
      if (c !== item) (out ??= [...v])[i] = c;
    });
    return (out ?? v) as T;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  const isError = v instanceof Error;
  // class instances (streams, URLs, Buffers) are left to pino's serializers; plain objects and
  // errors (their enumerable fields, e.g. a `token` someone attached) are walked
  if (proto !== Object.prototype && proto !== null && !isError) return v;
  let out: Record<string, unknown> | undefined;
  const rec = v as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    const val = rec[k];
    const c = SECRET_FIELDS.has(k) ? CENSOR : censorSecrets(val, depth + 1);
    if (c === val) continue;
    out ??= isError ? copyError(v as Error) : { ...rec };
    out[k] = c;
  }
  return (out ?? v) as T;
}

/** A copy of `e` that pino's err serializer prints the same: its class, message, stack and fields. */
function copyError(e: Error): Record<string, unknown> {
  const c = Object.create(Object.getPrototypeOf(e) as object) as Record<string, unknown>;
  // message and stack are own but not enumerable; V8's stack is read here, on the original
  for (const k of Object.getOwnPropertyNames(e)) c[k] = (e as unknown as Record<string, unknown>)[k];
  Object.defineProperty(c, 'message', { value: e.message, enumerable: false, writable: true, configurable: true });
  Object.defineProperty(c, 'stack', { value: e.stack, enumerable: false, writable: true, configurable: true });
  return c;
}

/**
 * Create the command logger: `component` is stamped on every line. `format` 'pretty' writes human
 * lines through PrettySink (a live progress line when `columns` says stderr is a terminal);
 * 'auto' is pretty exactly when it is.
 */
export function createLogger(opts: { level: LogLevel | string; component: string; sink?: LogSink; format?: string; columns?: number }): Logger {
  const pino = loadPino();
  let dest: LogSink = opts.sink ?? pino.destination({ fd: 2, sync: true });
  if (opts.format === 'pretty' || (opts.format === 'auto' && opts.columns !== undefined)) dest = new PrettySink(dest, { columns: opts.columns });
  const logger = pino(
    {
      level: opts.level,
      base: { component: opts.component },
      // pino.stdTimeFunctions.isoTime's output, without toISOString's ICU load (core/utc-time.ts)
      timestamp: () => `,"time":"${isoUtc(Date.now())}"`,
      formatters: { level: (label) => ({ level: label }), log: (obj) => censorSecrets(obj), bindings: (b) => censorSecrets(b) },
    },
    dest as DestinationStream,
  );
  // pino applies `formatters.bindings` to the root's bindings only (children reset it), so a child's
  // bindings are censored here; `this` keeps grandchildren bound to their own parent
  const pinoChild = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return pinoChild.call(this, censorSecrets(bindings), options);
  } as Logger['child'];
  return logger;
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
