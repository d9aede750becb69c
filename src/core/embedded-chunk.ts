// Runtime half of build.mjs' embedded chunks: a heavy module (a utility with the AWS SDK, viem, ...)
// is bundled separately and stored in the executable as a string inside a function, so V8 neither
// parses nor allocates it until that module is first imported. Parsing every utility up front cost
// ~25 MB of resident memory and ~100 ms in every process, including the long-lived supervisor.
import { compileFunction } from 'node:vm';

/** Compile and run one embedded CommonJS chunk; returns its `module.exports`. */
export function loadChunk(source: () => string, filename: string): Record<string, unknown> {
  const fn = compileFunction(source(), ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
  const mod = { exports: {} as Record<string, unknown> };
  // the chunk only requires node builtins (everything else is bundled into it); it sees the host
  // bundle's own __filename/__dirname, so code that looks next to the executable still finds it
  const hostFile = typeof __filename === 'string' ? __filename : filename;
  const hostDir = typeof __dirname === 'string' ? __dirname : '.';
  fn.call(mod.exports, mod.exports, require, mod, hostFile, hostDir);
  return mod.exports;
}
