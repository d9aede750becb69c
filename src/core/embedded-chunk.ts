// Runtime half of build.mjs' embedded chunks: a heavy module (a utility with the AWS SDK, viem, ...)
// is bundled separately and stored in the executable as a string inside a function, so V8 neither
// parses nor allocates it until that module is first imported. Parsing every utility up front cost
// ~25 MB of resident memory and ~100 ms in every process, including the long-lived supervisor.
//
// In the single executable each chunk also comes with a V8 code cache made at build time by the
// same Node binary (build.mjs, CHUNK_WRAPPER): compiling `startup`'s chunk from source took ~9 ms of
// the time before luxd is spawned. V8 checks the cache against its version, flags and the source,
// and silently compiles from source when it does not match; chunkLoads() tells which happened.
import { Script, constants } from 'node:vm';

/** The function wrapper around a chunk's CommonJS code; build.mjs' cache generator uses the same bytes. */
export const CHUNK_WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'] as const;

export type ChunkLoad = 'source' | 'code-cache' | 'code-cache-rejected';
// one map per process: a chunk's nested chunks are loaded by the chunk's own copy of this module
const loads: Map<string, ChunkLoad> = ((globalThis as Record<symbol, unknown>)[Symbol.for('luxops.chunkLoads')] ??= new Map()) as Map<string, ChunkLoad>;

/** How each chunk loaded so far was compiled (LUXOPS_DEBUG_CHUNKS=1 prints it at exit). */
export function chunkLoads(): Record<string, ChunkLoad> {
  return Object.fromEntries(loads);
}

/** Compile and run one embedded CommonJS chunk; returns its `module.exports`. */
export function loadChunk(source: () => string, filename: string, codeCache?: () => Buffer | undefined): Record<string, unknown> {
  const cachedData = codeCache?.();
  // import() inside a chunk resolves like the host's (esbuild leaves import() of node: builtins as is)
  const script = new Script(CHUNK_WRAPPER[0] + source() + CHUNK_WRAPPER[1], { filename, cachedData, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  loads.set(filename, cachedData === undefined ? 'source' : script.cachedDataRejected ? 'code-cache-rejected' : 'code-cache');
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  const mod = { exports: {} as Record<string, unknown> };
  // the chunk only requires node builtins (everything else is bundled into it); it sees the host
  // bundle's own __filename/__dirname, so code that looks next to the executable still finds it
  const hostFile = typeof __filename === 'string' ? __filename : filename;
  const hostDir = typeof __dirname === 'string' ? __dirname : '.';
  fn.call(mod.exports, mod.exports, require, mod, hostFile, hostDir);
  return mod.exports;
}
