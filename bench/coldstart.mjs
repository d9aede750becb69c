#!/usr/bin/env node
// Cold-start time and peak RSS of the executables vs a bare `node -e 0` (the floor any Node program
// pays), median of N runs each, interleaved in one process so machine noise hits all variants alike.
// Usage: node bench/coldstart.mjs [runs=10]   (needs `npm run build` first; RSS needs GNU time)
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const runs = Math.max(1, Math.min(100, Number(process.argv[2] ?? 10)));
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const variants = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'node dist/luxops.cjs --version': [process.execPath, ['dist/luxops.cjs', '--version']],
  'dist/luxops --version (SEA)': ['dist/luxops', ['--version']],
  'node dist/luxops.cjs startup --help': [process.execPath, ['dist/luxops.cjs', 'startup', '--help']],
  'dist/luxops startup --help (SEA)': ['dist/luxops', ['startup', '--help']],
};
const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const rss = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(variants)) {
    const env = name.includes('SEA') ? { PATH: '/nonexistent' } : process.env;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: 'ignore', env, timeout: 30_000 });
    times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    if (gnuTime) {
      const m = spawnSync(gnuTime, ['-f', '%M', cmd, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
      rss[name].push(Number(m.stderr.trim().split('\n').pop()) / 1024);
    }
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times['node -e 0']);
console.log(`runs per variant: ${runs}`);
for (const [name, t] of Object.entries(times)) {
  const mem = rss[name].length ? `   peak RSS median ${median(rss[name]).toFixed(1).padStart(5)} MiB` : '';
  console.log(`${name.padEnd(38)} median ${median(t).toFixed(1).padStart(7)} ms   ${(median(t) / base).toFixed(2)}x node -e 0${mem}`);
}
for (const f of ['dist/luxops.cjs', 'dist/luxops']) console.log(`${f.padEnd(38)} ${(statSync(f).size / 2 ** 20).toFixed(2)} MiB`);
