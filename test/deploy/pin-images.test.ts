// deploy/pin-images.mjs, the documented way to move image digests: run on a copy of the files it
// edits (inside the repository, so it resolves `yaml` as it does in place).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runBin } from '../helpers/run-bin.js';

const A = `sha256:${'a1'.repeat(32)}`;
const B = `sha256:${'b2'.repeat(32)}`;
const C = `sha256:${'c3'.repeat(32)}`;

test('pin-images: --check fails while a digest is unset, set by value and by digest file, comments kept', async (t) => {
  const dir = mkdtempSync(join(ROOT, '.pin-images-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'components/pinned-images'), { recursive: true });
  for (const f of ['pin-images.mjs', 'Containerfile', 'components/pinned-images/kustomization.yaml']) cpSync(join(ROOT, 'deploy', f), join(dir, f));
  const run = (...args: string[]) => runBin(process.execPath, [join(dir, 'pin-images.mjs'), ...args], { env: { PATH: process.env.PATH ?? '' } });
  const component = () => readFileSync(join(dir, 'components/pinned-images/kustomization.yaml'), 'utf8');

  const before = component();
  const check = await run('--check');
  assert.equal(check.code, 1);
  assert.match(check.stderr, /not pinned yet: ghcr\.io\/luxfi\/luxops:0\.1\.0, registry\.digitalocean\.com\/hanzo\/bootnode:luxd-v1\.23\.14/);

  const bad = await run(`ghcr.io/luxfi/luxops=sha256:${'A1'.repeat(32)}`);
  assert.equal(bad.code, 2);
  const unknown = await run(`docker.io/library/nginx=${A}`);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown image "docker\.io\/library\/nginx"/);
  assert.equal(component(), before, 'a refused run changes nothing');

  writeFileSync(join(dir, 'digest'), `${B}\n`);
  const set = await run(`ghcr.io/luxfi/luxops=${A}`, 'registry.digitalocean.com/hanzo/bootnode=@' + join(dir, 'digest'), `gcr.io/distroless/cc-debian12=${C}`);
  assert.equal(set.code, 0, set.stderr);
  const after = component();
  assert.match(after, new RegExp(`name: ghcr.io/luxfi/luxops\\n    newTag: "0.1.0"\\n    digest: ${A}`));
  assert.match(after, new RegExp(`name: registry.digitalocean.com/hanzo/bootnode\\n    newTag: luxd-v1.23.14\\n    digest: ${B}`));
  assert.ok(after.includes('# Every image the composition runs, pinned by digest'), 'comments kept');
  assert.match(readFileSync(join(dir, 'Containerfile'), 'utf8'), new RegExp(`^FROM gcr\\.io/distroless/cc-debian12:nonroot@${C}$`, 'm'));
  assert.equal((await run('--check')).code, 0);
  assert.match((await run('--list')).stdout, new RegExp(`^ghcr.io/luxfi/luxops 0.1.0 ${A}$`, 'm'));
});
