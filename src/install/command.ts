// `luxops install DIR`: how an image without Node.js gets luxops. An init container from the luxops
// image copies the single executable into a shared emptyDir and links every command name to it;
// the luxd container then runs `/opt/luxops/luxops startup -- /luxd/build/luxd ...`.
import { resolve } from 'node:path';
import { defineCommand } from '../core/command.js';
import { LuxopsError, UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import type { OptionDef } from '../core/options.js';
import { installExecutable, linkCommands } from './install-files.js';

/** File name of the installed executable; the manifests run `<DIR>/luxops`. */
export const EXECUTABLE_NAME = 'luxops';

/**
 * Command names that get a symlink. `install` itself is left out: a `DIR/install` on a PATH would
 * shadow coreutils install(1) in images that have a shell, and `DIR/luxops install` still works.
 */
export function linkNames(commandNames: readonly string[]): string[] {
  return commandNames.filter((n) => n !== 'install' && n !== EXECUTABLE_NAME && /^[a-z][a-z0-9-]*$/.test(n));
}

const installOptions = [] as const satisfies readonly OptionDef[];

/** The `install` command. */
export const installCommand = defineCommand({
  name: 'install',
  summary: 'Copy this executable into DIR (0755, atomic) and link every command name to it',
  usage: 'DIR',
  options: installOptions,
  positionals: { min: 1, max: 1, metavar: 'DIR' },
  helpExtra: [
    'Example (init container of the luxops image, DIR an emptyDir shared with the luxd container):',
    '  luxops install /opt/luxops     # then: /opt/luxops/startup --help, /opt/luxops/luxops faucet ...',
    'Only the self-contained executable can be installed; the .cjs bundle needs Node.js and is refused (exit 2).',
  ].join('\n'),
  describe: (args) => ({ dir: resolve(args.positionals[0] ?? '.'), executable: EXECUTABLE_NAME }),
  async run({ positionals, deps, log }) {
    const dir = resolve(positionals[0]!);
    if (!deps.isSea) {
      throw new UsageError(
        `install copies the self-contained executable (dist/luxops), but this is the JavaScript bundle running under ${deps.execPath}; ` +
          'a luxd image has no Node.js to run it. Run the install from dist/luxops (or the luxops image) instead',
        'E_NOT_SINGLE_EXECUTABLE',
      );
    }
    if (deps.commandNames === undefined) {
      throw new LuxopsError('E_NO_COMMAND_LIST', 'the entry did not provide the list of commands to link');
    }
    const names = linkNames(deps.commandNames);
    const bytes = await installExecutable(deps.execPath, dir, EXECUTABLE_NAME);
    await linkCommands(dir, names, EXECUTABLE_NAME);
    log.info({ dir, bytes, source: deps.execPath, links: names }, `installed ${EXECUTABLE_NAME} and ${names.length} command links`);
    return EXIT.OK;
  },
});
