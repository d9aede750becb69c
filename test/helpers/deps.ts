// In-process test harness: Deps with captured stdout/stderr and a fake signal source, so a
// utility's main(argv, env, deps) can be driven and asserted without touching `process`.
import { EventEmitter } from 'node:events';
import type { Deps } from '../../src/core/command.js';

export interface CapturedDeps extends Deps {
  out(): string;
  err(): string;
  /** parsed pino JSON lines written to stderr */
  logs(): Array<Record<string, unknown>>;
  /** emit a signal as if the process received it */
  raise(sig: NodeJS.Signals): void;
  /** abort deps.signal (what the entry does on the first SIGTERM) */
  shutdown(): void;
}

export function captureDeps(overrides: Partial<Deps> = {}): CapturedDeps {
  let out = '';
  let err = '';
  const emitter = new EventEmitter();
  const ac = new AbortController();
  const deps: CapturedDeps = {
    stdout: { write: (s: string) => ((out += s), true) },
    stderr: { write: (s: string) => ((err += s), true) },
    signal: ac.signal,
    signals: emitter as unknown as Deps['signals'],
    pid: 4242,
    execPath: process.execPath,
    isSea: false,
    prog: 'luxops',
    ...overrides,
    out: () => out,
    err: () => err,
    logs: () =>
      err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    raise: (sig) => void emitter.emit(sig, sig),
    shutdown: () => ac.abort(Object.assign(new Error('received SIGTERM'), { name: 'AbortError' })),
  };
  return deps;
}
