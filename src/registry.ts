// Utility name -> command. The order here is the order of `luxops --help`.
import type { Command } from './core/command.js';

export const commands: readonly Command[] = [];
