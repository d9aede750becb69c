// The source layout stays a graph a reader can follow (issue 18, "Layout"): no module imports one that
// imports it back (directly or around a longer loop), rlp-import and snapshot share code only through
// src/objects (remote objects: sources, ranged GETs, checksums) and src/core, and those two depend on
// nothing above them. Type-only imports count: the tangle this replaced was one (the http/s3 sources
// took their interface from the module that loads them). Dynamic import() counts too, and the modules
// the build makes lazily loaded chunks (the AWS SDK's) must never be imported statically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

interface Edge {
  readonly to: string;
  readonly dynamic: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Relative imports of one module (static, re-exports, side-effect and dynamic), as src-relative paths. */
function importsOf(file: string): Edge[] {
  // comments may quote import lines; they are not edges
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const edges: Edge[] = [];
  const add = (spec: string, dynamic: boolean) => {
    const js = resolve(dirname(file), spec);
    const ts = js.replace(/\.js$/, '.ts');
    const target = existsSync(ts) ? ts : js;
    assert.ok(existsSync(target), `${relative(SRC, file)} imports ${spec}, which does not exist`);
    edges.push({ to: relative(SRC, target), dynamic });
  };
  for (const m of text.matchAll(/\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g)) add(m[1]!, false);
  for (const m of text.matchAll(/^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm)) add(m[1]!, false);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) add(m[1]!, true);
  // one edge per kind (a value and a type import of one module are one edge)
  return [...new Map(edges.map((e) => [`${e.to}:${e.dynamic}`, e])).values()];
}

const graph = new Map(walk(SRC).map((f) => [relative(SRC, f), importsOf(f)] as const));
const folder = (mod: string) => (mod.includes('/') ? mod.slice(0, mod.indexOf('/')) : '.');

/** Every import cycle (one per back edge a depth-first walk finds), as module paths. */
function cycles(g: ReadonlyMap<string, readonly Edge[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const { to } of g.get(n) ?? []) {
      if (state.get(to) === 'open') found.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...g.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

test('the import graph of src/ is read whole (the walk sees the modules this test is about)', () => {
  for (const m of ['objects/object-source.ts', 'objects/types.ts', 'objects/http-source.ts', 'objects/s3-source.ts', 'snapshot/restore-job.ts', 'rlp-import/import-job.ts']) {
    assert.ok(graph.has(m), m);
  }
  assert.ok(graph.get('objects/object-source.ts')!.some((e) => e.to === 'objects/s3-source.ts' && e.dynamic), 'object-source loads s3-source with import()');
});

test('no import cycle among src/**/*.ts (type-only and dynamic imports included)', () => {
  // the finder itself: a two-module loop and a three-module loop are both reported
  const e = (to: string): Edge => ({ to, dynamic: false });
  assert.deepEqual(cycles(new Map([['a', [e('b')]], ['b', [e('a')]]])), [['a', 'b', 'a']]);
  assert.deepEqual(cycles(new Map([['a', [e('b')]], ['b', [e('c')]], ['c', [e('a')]], ['d', [e('a')]]])), [['a', 'b', 'c', 'a']]);
  assert.deepEqual(cycles(graph).map((c) => c.join(' -> ')), []);
});

test('rlp-import and snapshot do not import each other; they share code through src/objects and src/core only', () => {
  const bad: string[] = [];
  for (const [from, edges] of graph) {
    for (const { to } of edges) {
      const [a, b] = [folder(from), folder(to)];
      if ((a === 'rlp-import' && b === 'snapshot') || (a === 'snapshot' && b === 'rlp-import')) bad.push(`${from} -> ${to}`);
      // the shared layers sit below every utility: an import upwards would be a way around the rule
      if (a === 'objects' && b !== 'objects' && b !== 'core') bad.push(`${from} -> ${to} (objects depends on core only)`);
      if (a === 'core' && b !== 'core') bad.push(`${from} -> ${to} (core depends on nothing above it)`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the S3 code (the AWS SDK) is reached only through import(): never a static import', () => {
  const lazy = ['objects/s3-source.ts', 'snapshot/s3-sink.ts'];
  const bad = [...graph].flatMap(([from, edges]) => edges.filter((e) => lazy.includes(e.to) && !e.dynamic).map((e) => `${from} -> ${e.to}`));
  assert.deepEqual(bad, []);
  for (const m of lazy) assert.ok([...graph.values()].some((edges) => edges.some((e) => e.to === m && e.dynamic)), `${m} is loaded somewhere`);
});
