// Multi-call entry of the `luxops` executable.
import { commands } from './registry.js';
import { runEntry } from './entry.js';

runEntry(commands);
