// Registry entries that load their command on first use. Loading every utility eagerly would put the
// AWS SDK, viem and friends into every process (the supervisor must stay small and spawn luxd fast),
// so the dispatcher only evaluates the command it runs. This file imports types only: the multi-call
// entry must not pull in the logger or any utility before a command is chosen.
import type { Command } from './command.js';

export interface CommandInfo {
  readonly name: string;
  readonly summary: string;
  readonly handlesSignals?: boolean;
}

/** A command whose module is loaded by `load` when `main` first runs. */
export function lazyCommand(info: CommandInfo, load: () => Promise<Command>): Command {
  return {
    name: info.name,
    summary: info.summary,
    handlesSignals: info.handlesSignals ?? false,
    async main(argv, env, deps) {
      const cmd = await load();
      return cmd.main(argv, env, deps);
    },
  };
}
