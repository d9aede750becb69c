// Multi-call dispatch (coreutils-style): `luxops <command> ...`, or a symlink/copy named like a
// command (`lux-faucet`, `faucet`) runs that command. Pure: the entry passes argv/env/deps in.
import { basename } from 'node:path';
import type { Command, Deps } from './command.js';
import { EXIT } from './exit-codes.js';
import { formatRows, helpWidth, wrapText } from './text-wrap.js';
import { closest, didYouMean } from './suggest.js';

export interface DispatchInput {
  /** argv[0]-like path the program was invoked as (symlink name included) */
  invokedAs: string;
  /** arguments after the program */
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  commands: readonly Command[];
  version: string;
  /** run this command without looking at argv (per-utility bundles) */
  fixed?: string;
  /** deps for the chosen command (the entry installs signal handling per command) */
  makeDeps: (cmd: Command | undefined) => Deps;
}

/** The command an executable name selects: exact name or the longest command name it ends with. */
export function commandForName(invokedAs: string, commands: readonly Command[]): Command | undefined {
  const name = basename(invokedAs).replace(/\.(c|m)?js$/, '');
  let best: Command | undefined;
  for (const c of commands) {
    const hit = name === c.name || (name.endsWith(c.name) && /[-_.]$/.test(name.slice(0, -c.name.length)));
    if (hit && (!best || c.name.length > best.name.length)) best = c;
  }
  return best;
}

/** The top-level help: one line per command, wrapped to `columns` (80 when not a terminal). */
export function formatCommandList(prog: string, commands: readonly Command[], version: string, columns?: number): string {
  const width = helpWidth(columns);
  return [
    `${prog} ${version}: utilities for Lux Network validator pods`,
    '',
    `Usage: ${prog} <command> [flags]`,
    `       ${prog} --help | --version`,
    '',
    'Commands:',
    ...formatRows(commands.map((c) => [`  ${c.name}`, c.summary] as const), width),
    '',
    ...wrapText(`Run '${prog} <command> --help' (or -h) for a command's flags and their LUXOPS_<COMMAND>_<FLAG> environment twins.`, width),
    ...wrapText(`A symlink named like a command (e.g. lux-faucet -> ${prog}) runs that command.`, width),
    '',
  ].join('\n');
}

/** Resolve and run a command; returns the exit code. */
export async function dispatch(input: DispatchInput): Promise<number> {
  const { commands, args } = input;
  const byName = input.fixed ?? commandForName(input.invokedAs, commands)?.name;
  const direct = byName ? commands.find((c) => c.name === byName) : undefined;
  if (direct) return direct.main(args, input.env, input.makeDeps(direct));

  const deps = input.makeDeps(undefined);
  const prog = deps.prog;
  const first = args[0];
  if (first === undefined) {
    deps.stderr.write(formatCommandList(prog, commands, input.version, deps.stderrColumns));
    return EXIT.USAGE;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    deps.stdout.write(formatCommandList(prog, commands, input.version, deps.stdoutColumns));
    return EXIT.OK;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    deps.stdout.write(`${input.version}\n`);
    return EXIT.OK;
  }
  const cmd = commands.find((c) => c.name === first);
  if (!cmd) {
    const hint = first.startsWith('-') ? closest(first.replace(/^-+/, ''), ['help', 'version']) : closest(first, commands.map((c) => c.name));
    const what = first.startsWith('-') ? `unknown flag ${first}${didYouMean(hint && `--${hint}`)}` : `unknown command ${JSON.stringify(first)}${didYouMean(hint && JSON.stringify(hint))}`;
    deps.stderr.write(`${prog}: ${what}\nTry '${prog} --help' or '${prog} <command> --help'\n`);
    return EXIT.USAGE;
  }
  return cmd.main(args.slice(1), input.env, input.makeDeps(cmd));
}
