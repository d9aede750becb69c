// The registry's lazy entries must agree with the commands they load (name, summary, signals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { commands } from '../src/registry.js';

test('every registry entry matches the command it loads', async () => {
  const src = readFileSync(new URL('../src/registry.ts', import.meta.url), 'utf8');
  const loads = [...src.matchAll(/import\('(\.\/[\w/-]+\.js)'\)\.then\(\(m\) => m\.(\w+)\)/g)];
  assert.equal(loads.length, commands.length);
  const names = new Set<string>();
  for (const [i, entry] of commands.entries()) {
    const mod = (await import(new URL(loads[i]![1]!.replace(/\.js$/, '.ts'), new URL('../src/', import.meta.url)).href)) as Record<string, { name: string; summary: string; handlesSignals: boolean }>;
    const real = mod[loads[i]![2]!]!;
    assert.equal(real.name, entry.name);
    assert.equal(real.summary, entry.summary, `${entry.name}: registry summary differs from the command's`);
    assert.equal(real.handlesSignals, entry.handlesSignals, entry.name);
    assert.ok(!names.has(entry.name));
    names.add(entry.name);
  }
});

test('summaries start with a capital letter and end without a period', () => {
  for (const c of commands) assert.match(c.summary, /^[A-Z].*[^.]$/, c.name);
});

test('the env check knows every command (another command\'s LUXOPS_<COMMAND>_* variables are not typos)', async () => {
  const { COMMAND_NAMES } = await import('../src/core/env-check.js');
  assert.deepEqual([...COMMAND_NAMES].sort(), commands.map((c) => c.name).sort());
});
