#!/usr/bin/env node
// Pin or check image digests: deploy/components/pinned-images (kustomize `images:`) and the FROM
// line of deploy/Containerfile. Nothing here talks to a registry; the digests come from the tool
// that knows them (a release's `podman push --digestfile`, `crane digest`, `skopeo inspect`).
//   node deploy/pin-images.mjs NAME=sha256:<64 hex> ...   set digests (NAME as in the images list or FROM)
//   node deploy/pin-images.mjs NAME=@FILE ...             read the digest from a --digestfile
//   node deploy/pin-images.mjs --check                    exit 1 while any digest is unset (all zeros)
//   node deploy/pin-images.mjs --list                     print NAME TAG DIGEST per line
// Exit codes: 0 done, 1 --check found an unpinned image, 2 usage (unknown NAME, malformed digest).
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

const here = new URL('.', import.meta.url).pathname;
const COMPONENT = join(here, 'components/pinned-images/kustomization.yaml');
const CONTAINERFILE = join(here, 'Containerfile');
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const UNSET = `sha256:${'0'.repeat(64)}`;
const FROM = /^FROM (\S+?):(\S+?)@(sha256:[0-9a-f]{64})(\s.*)?$/m;

function fail(msg, code = 2) {
  process.stderr.write(`pin-images: ${msg}\n`);
  process.exit(code);
}

function writeAtomic(path, text) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const doc = parseDocument(readFileSync(COMPONENT, 'utf8'));
const images = doc.get('images');
let containerfile = readFileSync(CONTAINERFILE, 'utf8');
const from = FROM.exec(containerfile);
if (!from) fail(`${CONTAINERFILE}: no FROM IMAGE:TAG@sha256:... line`);

/** name -> { tag, digest, set(digest) } for every pinned image. */
const pinned = new Map();
for (const item of images.items) {
  pinned.set(item.get('name'), { tag: item.get('newTag'), digest: item.get('digest'), set: (d) => item.set('digest', d) });
}
pinned.set(from[1], { tag: from[2], digest: from[3], set: (d) => (containerfile = containerfile.replace(FROM, (_m, n, t, _d, rest) => `FROM ${n}:${t}@${d}${rest ?? ''}`)) });

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help')) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 10).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(args.length === 0 ? 2 : 0);
}
if (args.includes('--list')) {
  for (const [name, p] of pinned) process.stdout.write(`${name} ${p.tag} ${p.digest}\n`);
  process.exit(0);
}
if (args.includes('--check')) {
  const unset = [...pinned].filter(([, p]) => p.digest === UNSET || !DIGEST.test(p.digest)).map(([n, p]) => `${n}:${p.tag}`);
  if (unset.length > 0) fail(`not pinned yet: ${unset.join(', ')} (set their digests before deploying)`, 1);
  process.stdout.write(`all ${pinned.size} images pinned\n`);
  process.exit(0);
}
for (const arg of args) {
  const eq = arg.indexOf('=');
  if (eq <= 0) fail(`expected NAME=sha256:<hex> or NAME=@FILE, got ${JSON.stringify(arg)}`);
  const name = arg.slice(0, eq);
  let digest = arg.slice(eq + 1);
  if (digest.startsWith('@')) digest = readFileSync(digest.slice(1), 'utf8').trim();
  const p = pinned.get(name);
  if (!p) fail(`unknown image ${JSON.stringify(name)}; pinned images: ${[...pinned.keys()].join(', ')}`);
  if (!DIGEST.test(digest) || digest === UNSET) fail(`invalid digest for ${name}: ${JSON.stringify(digest)}, expected sha256:<64 lower-case hex>`);
  p.set(digest);
  process.stdout.write(`${name}:${p.tag} -> ${digest}\n`);
}
writeAtomic(COMPONENT, doc.toString({ lineWidth: 0 }));
writeAtomic(CONTAINERFILE, containerfile);
