// The shape every utility shares: `main(argv, env, deps) => Promise<exitCode>`, built from one
// option table. This file turns a table + `run` into that main: parsing, --help, --check, the
// logger, and mapping errors to the EXIT table. Utilities never touch `process`.
import type { Logger } from 'pino';
import { COMMON_OPTIONS, HELP_ALL_OPTION, bindEnv, parseArgs, checkRequired, redactConfig } from './options.js';
import type { OptionDef, ConfigOf, ParsedArgs } from './options.js';
import { formatHelp } from './help.js';
import { envWarnings } from './env-check.js';
import type { SignalSource } from './shutdown.js';
import { createLogger, lazyLogger } from './log.js';
import type { LogSink } from './log.js';
import { LuxopsError, UsageError, errorMessage, isAbortError } from './errors.js';
import { EXIT } from './exit-codes.js';

export interface Io {
  write(chunk: string): unknown;
}

/** What the entry binds (process) and tests inject (fakes). */
export interface Deps {
  stdout: Io;
  /** human-readable errors and pino JSON lines */
  stderr: LogSink;
  /** aborted on the first SIGTERM/SIGINT, unless the command handles signals itself */
  signal: AbortSignal;
  /** raw signal events, for commands that handle signals themselves (the supervisor) */
  signals: SignalSource;
  /** the running process' id (PID 1 checks) */
  pid: number;
  /** absolute path of the running executable (the SEA binary, or node for the .cjs bundle) */
  execPath: string;
  /** true when running as the self-contained binary */
  isSea: boolean;
  /** how to start this same program for a hidden helper command: [exe] for the single executable,
   * [node, script] for a bundle; unset where there is no such program (tests calling main) */
  selfCommand?: readonly string[];
  /** columns of the terminal stdout is (help is wrapped to it); undefined when it is not one (80) */
  stdoutColumns?: number;
  /** columns of the terminal stderr is (pretty logs, the live progress line); undefined when it is not one */
  stderrColumns?: number;
  /** program name for messages ("luxops") */
  prog: string;
  /** names of every command this executable serves (the entry binds the registry's; `install` links them) */
  commandNames?: readonly string[];
  /** a logger to use instead of creating one (tests) */
  log?: Logger;
  now?: () => number;
}

export interface RunContext<C> {
  readonly config: C;
  readonly positionals: readonly string[];
  readonly rest: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly deps: Deps;
  readonly log: Logger;
  /**
   * progress events are drawn as a live line (stderr is a terminal and --log-format is not json):
   * long work may report more often than the every-few-seconds its JSON lines use
   */
  readonly liveProgress: boolean;
}

export interface CommandSpec<T extends readonly OptionDef[]> {
  readonly name: string;
  readonly summary: string;
  /** usage line after the program and command name */
  readonly usage?: string;
  readonly options: T;
  /** more help text (examples) */
  readonly helpExtra?: string;
  /** the command installs its own signal handling (the supervisor forwards signals) */
  readonly handlesSignals?: boolean;
  /** whether positionals / `-- rest` are allowed */
  readonly positionals?: { min: number; max: number; metavar: string };
  readonly allowRest?: boolean;
  /** cross-flag validation; runs for --check too; throw UsageError */
  readonly validate?: (args: ParsedArgs<ConfigOf<T>>, env: Readonly<Record<string, string | undefined>>) => void;
  /** extra facts for --check output (derived paths, resolved templates) */
  readonly describe?: (args: ParsedArgs<ConfigOf<T>>, env: Readonly<Record<string, string | undefined>>) => Record<string, unknown>;
  readonly run: (ctx: RunContext<ConfigOf<T>>) => Promise<number>;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** the full option table (absent on a lazy registry entry until it is loaded) */
  readonly options?: readonly OptionDef[];
  readonly handlesSignals: boolean;
  main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, deps: Deps): Promise<number>;
}

/** Build a command's `main` from its spec. */
export function defineCommand<const T extends readonly OptionDef[]>(spec: CommandSpec<T>): Command {
  // env twins named after the command (LUXOPS_RLP_IMPORT_TIMEOUT), see bindEnv
  const own = bindEnv(spec.options, spec.name);
  const grouped = own.some((d) => d.group !== undefined);
  const table = [...own, ...COMMON_OPTIONS, ...(grouped ? [HELP_ALL_OPTION] : [])];
  return {
    name: spec.name,
    summary: spec.summary,
    options: table,
    handlesSignals: spec.handlesSignals ?? false,
    async main(argv, env, deps) {
      const prog = `${deps.prog} ${spec.name}`;
      let parsed: ParsedArgs<ConfigOf<T>>;
      try {
        parsed = parseArgs(table, argv, env) as unknown as ParsedArgs<ConfigOf<T>>;
        const common = parsed.config as unknown as { help: boolean; helpAll?: boolean };
        if (common.help || common.helpAll) {
          deps.stdout.write(formatHelp({ prog, usage: spec.usage ?? '[flags]', summary: spec.summary, table, extra: spec.helpExtra, columns: deps.stdoutColumns, all: common.helpAll }));
          return EXIT.OK;
        }
        const pos = spec.positionals ?? { min: 0, max: 0, metavar: '' };
        if (parsed.positionals.length > pos.max) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[pos.max])}`, 'E_UNEXPECTED_ARG');
        if (parsed.positionals.length < pos.min) throw new UsageError(`missing argument ${pos.metavar}`, 'E_MISSING_ARG');
        if (parsed.rest.length > 0 && !spec.allowRest) throw new UsageError(`unexpected arguments after --: ${JSON.stringify(parsed.rest[0])}`, 'E_UNEXPECTED_ARG');
        checkRequired(own, parsed.config as Record<string, unknown>);
        spec.validate?.(parsed, env);
      } catch (e) {
        if (e instanceof UsageError) {
          deps.stderr.write(`${prog}: ${e.message}\nTry '${prog} --help'\n`);
          return EXIT.USAGE;
        }
        throw e;
      }
      const cfg = parsed.config as unknown as Record<string, unknown> & { check: boolean; logLevel: string; logFormat: string };
      // lazy: pino and the stderr stream are set up by the first line logged, not before `run`
      const log = deps.log ?? lazyLogger(() => createLogger({ level: cfg.logLevel, component: spec.name, sink: deps.stderr, format: cfg.logFormat, columns: deps.stderrColumns }));
      // one line for LUXOPS_* names this command ignores, one for deprecated names it still reads
      for (const w of envWarnings(table, spec.name, env, parsed.deprecatedEnv)) log.warn({ code: w.code, variables: w.variables }, w.message);
      if (cfg.check) {
        const shown = { command: spec.name, config: redactConfig(own, cfg), positionals: parsed.positionals, rest: parsed.rest, ...spec.describe?.(parsed, env) };
        deps.stdout.write(JSON.stringify(shown, null, 2) + '\n');
        return EXIT.OK;
      }
      try {
        const liveProgress = deps.stderrColumns !== undefined && cfg.logFormat !== 'json';
        return await spec.run({ config: parsed.config, positionals: parsed.positionals, rest: parsed.rest, env, deps, log, liveProgress });
      } catch (e) {
        return reportFailure(e, log, deps, prog);
      }
    },
  };
}

/** Map a thrown value to an exit code with one log line (no stack unless debug). */
export function reportFailure(e: unknown, log: Logger, deps: Deps, prog: string): number {
  if (e instanceof UsageError) {
    deps.stderr.write(`${prog}: ${e.message}\nTry '${prog} --help'\n`);
    return EXIT.USAGE;
  }
  if (e instanceof LuxopsError) {
    log.error({ code: e.code, ...e.details }, e.message);
    if (e.cause !== undefined) log.debug({ cause: errorMessage(e.cause) }, 'cause');
    return e.exitCode;
  }
  if (isAbortError(e)) {
    log.warn({ code: 'E_ABORTED' }, `aborted: ${errorMessage(e)}`);
    return EXIT.FAILURE;
  }
  log.error({ code: 'E_INTERNAL' }, `unexpected error: ${errorMessage(e)}`);
  log.debug({ stack: e instanceof Error ? e.stack : undefined }, 'stack');
  return EXIT.FAILURE;
}
