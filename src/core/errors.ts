// One error base for every command: a stable `code` for tests and dashboards, an exit code for the
// process, and the original `cause` kept for debug logs (never printed by default).
import { EXIT } from './exit-codes.js';

export interface LuxopsErrorOptions {
  cause?: unknown;
  exitCode?: number;
  /** extra structured fields for the log line (must never hold secrets) */
  details?: Record<string, unknown>;
}

// The class names of an error's constructor chain, stored on the instance under a registry symbol.
const CLASS_CHAIN = Symbol.for('luxops.error.classChain');

/** Base error: `code` is stable (E_UPPER_SNAKE), `exitCode` follows the EXIT table. */
export class LuxopsError extends Error {
  /**
   * `instanceof` matches by class name along the constructor chain, not by identity: heavy modules
   * are compiled lazily from embedded chunks (build.mjs), each with its own copy of this module, and
   * an error thrown in one chunk must still be `instanceof JsonRpcError` in the code that catches it.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const chain = (value as { [CLASS_CHAIN]?: unknown })[CLASS_CHAIN];
    return Array.isArray(chain) ? chain.includes(this.name) : Function.prototype[Symbol.hasInstance].call(this, value);
  }

  readonly code: string;
  readonly exitCode: number;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, opts: LuxopsErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LuxopsError';
    this.code = code;
    this.exitCode = opts.exitCode ?? EXIT.FAILURE;
    this.details = opts.details;
    const chain: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) chain.push((c as { name: string }).name);
    Object.defineProperty(this, CLASS_CHAIN, { value: chain, enumerable: false });
  }
}

/** A usage/configuration error: exit 2, message names the flag, the value and what was expected. */
export class UsageError extends LuxopsError {
  constructor(message: string, code = 'E_USAGE', opts: Omit<LuxopsErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...opts, exitCode: EXIT.USAGE });
    this.name = 'UsageError';
  }
}

export function isLuxopsError(e: unknown): e is LuxopsError {
  return e instanceof LuxopsError;
}

/** True for the AbortError family (user abort / shutdown), which must never be retried or wrapped. */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || (e as { code?: string }).code === 'ABORT_ERR');
}

/** A one-line, secret-free description of any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name;
  return String(e).split('\n')[0] ?? '';
}
