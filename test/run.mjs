#!/usr/bin/env node
// Test runner behind `npm test`: builds dist/ when it is missing or older than src/ (black-box
// tests run the built executables), then runs every test file under node:test with tsx for TS.
// The tests run on the Node that ships in the single executable (scripts/node24.mjs): started by
// another node (e.g. the system's Node 20), this runner re-runs itself on the pinned one.
// Usage: node test/run.mjs [--unit] [--only PATTERN]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isPinned, runPinned } from '../scripts/node24.mjs';

const root = new URL('..', import.meta.url).pathname;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'node_modules' ? [] : walk(join(dir, e.name))) : [join(dir, e.name)],
  );
}
const newest = (dir) => Math.max(0, ...walk(dir).map((f) => statSync(f).mtimeMs));

function main(args) {
  const unitOnly = args.includes('--unit');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  if (!unitOnly) {
    const built = ['dist/luxops', 'dist/luxops.cjs'].map((f) => join(root, f));
    const stale = built.some((f) => !existsSync(f)) || newest(join(root, 'src')) > Math.min(...built.map((f) => statSync(f).mtimeMs));
    if (stale) {
      console.log('# building dist/ for the black-box tests');
      const b = spawnSync(process.execPath, [join(root, 'build.mjs')], { stdio: 'inherit' });
      if (b.status !== 0) return b.status ?? 1;
    }
  }
  let files = walk(join(root, 'test')).filter((f) => /\.test\.(ts|mjs)$/.test(f)).sort();
  if (unitOnly) files = files.filter((f) => !/\.bb\.test\./.test(f));
  if (only) files = files.filter((f) => f.includes(only));
  if (files.length === 0) {
    console.error('no test files found');
    return 1;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', cwd: root });
  return r.status ?? 1;
}

if (isPinned()) process.exit(main(process.argv.slice(2)));
else runPinned('node', process.argv.slice(1));
