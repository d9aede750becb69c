// Utility name -> command. The order here is the order of `luxops --help`.
// build.mjs reads the `import { xyzCommand } from './dir/file.js'` lines to make one bundle per
// utility (dist/bin/xyz.cjs), so keep one import per line in exactly that form.
import type { Command } from './core/command.js';
// -- imports (one line per command) --
import { startupCommand } from './startup/command.js';
import { rlpImportCommand } from './rlp-import/command.js';
import { restoreSnapshotCommand } from './rlp-import/restore-command.js';
import { keyDownloaderCommand } from './key-downloader/command.js';
import { signerDownloaderCommand } from './signer-downloader/command.js';
import { keyUploaderCommand } from './key-downloader/uploader-command.js';
import { faucetCommand } from './faucet/command.js';
import { installCommand } from './install/command.js';

export const commands: readonly Command[] = [
  // -- commands (one line per command) --
  startupCommand,
  rlpImportCommand,
  restoreSnapshotCommand,
  keyDownloaderCommand,
  signerDownloaderCommand,
  keyUploaderCommand,
  faucetCommand,
  installCommand,
];
