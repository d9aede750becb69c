#!/usr/bin/env node
// Cold-start time of the executables vs a bare `node -e 0` (the floor any Node program pays),
// median of N runs each, interleaved in one process so machine noise hits all variants alike.
// Usage: node bench/coldstart.mjs [runs=10]   (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const runs = Number(process.argv[2] ?? 10);
const variants = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'node dist/luxops.cjs --version': [process.execPath, ['dist/luxops.cjs', '--version']],
  'dist/luxops --version (SEA)': ['dist/luxops', ['--version']],
};
const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(variants)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: 'ignore', env: name.includes('SEA') ? { PATH: '/nonexistent' } : process.env });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times['node -e 0']);
console.log(`runs per variant: ${runs}`);
for (const [name, t] of Object.entries(times)) {
  console.log(`${name.padEnd(34)} median ${median(t).toFixed(1).padStart(7)} ms   ${(median(t) / base).toFixed(2)}x node -e 0`);
}
for (const f of ['dist/luxops.cjs', 'dist/luxops']) console.log(`${f.padEnd(34)} ${(statSync(f).size / 2 ** 20).toFixed(2)} MiB`);
