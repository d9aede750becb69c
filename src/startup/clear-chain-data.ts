// `--clear-chain-data`: the recovery step after pathdb trie corruption. Before luxd starts, delete
// the C-chain state directory <data-dir>/chainData/network-<id>/<cchain-id> and the import marker
// (so the next import runs). Deleting the wrong directory destroys a validator's data, so every
// doubtful case is refused with exit 2 before anything is touched.
// fs.promises is read at each call: node:fs/promises loads only when chain data is really cleared
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { LuxopsError, UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';

// a CB58 blockchain ID or a short plain name: no dots, slashes or anything a path could use
const PLAIN_ID = /^[A-Za-z0-9]{1,128}$/;

export interface ClearPlanInput {
  readonly dataDir: string | undefined;
  readonly networkId: number | undefined;
  readonly cchainId: string | undefined;
  /** import marker to delete too (undefined = none configured) */
  readonly marker: string | undefined;
}

export interface ClearPlan {
  readonly dataDir: string;
  readonly chainDir: string;
  readonly marker: string | undefined;
}

function refuse(message: string): LuxopsError {
  return new LuxopsError('E_CLEAR_REFUSED', `--clear-chain-data refused: ${message}`, { exitCode: EXIT.USAGE });
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Check the flags and compute the paths; pure (runs in --check too). Throws UsageError. */
export function planClearChainData(input: ClearPlanInput): ClearPlan {
  if (!input.dataDir) throw new UsageError('--clear-chain-data needs --data-dir', 'E_MISSING_FLAG');
  if (input.networkId === undefined) throw new UsageError('--clear-chain-data needs --network-id', 'E_MISSING_FLAG');
  if (!input.cchainId) throw new UsageError('--clear-chain-data needs --cchain-id', 'E_MISSING_FLAG');
  if (!PLAIN_ID.test(input.cchainId)) {
    throw new UsageError(`invalid value for --cchain-id: ${JSON.stringify(input.cchainId)}, expected a plain blockchain ID (letters and digits only)`, 'E_CLEAR_REFUSED');
  }
  const dataDir = resolve(input.dataDir);
  if (dataDir === sep) throw new UsageError('--clear-chain-data refused: --data-dir is the filesystem root', 'E_CLEAR_REFUSED');
  const chainDir = resolve(dataDir, 'chainData', `network-${input.networkId}`, input.cchainId);
  if (!inside(dataDir, chainDir)) throw new UsageError(`--clear-chain-data refused: ${chainDir} is outside --data-dir ${dataDir}`, 'E_CLEAR_REFUSED');
  const marker = input.marker === undefined ? undefined : resolve(input.marker);
  if (marker !== undefined && !inside(dataDir, marker)) {
    throw new UsageError(`--clear-chain-data refused: import marker ${marker} is outside --data-dir ${dataDir}`, 'E_CLEAR_REFUSED');
  }
  return { dataDir, chainDir, marker };
}

/** Refuse when any existing component below data-dir (or data-dir itself) is a symlink. */
async function assertNoSymlinks(root: string, target: string): Promise<boolean> {
  const parts = relative(root, target).split(sep);
  let p = root;
  for (const part of ['', ...parts]) {
    p = part === '' ? root : join(p, part);
    let st;
    try {
      st = await fsp.lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    if (st.isSymbolicLink()) throw refuse(`${p} is a symlink`);
  }
  return true;
}

/** Bytes and files under `dir`, without following symlinks. */
export async function measureTree(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const e of await fsp.readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else {
        bytes += (await fsp.lstat(p)).size;
        files++;
      }
    }
  }
  return { bytes, files };
}

/** Execute the plan: refuse symlinks, then delete chain dir and marker, logging what went. */
export async function clearChainData(plan: ClearPlan, log: Logger): Promise<{ bytes: number; files: number }> {
  const chainExists = await assertNoSymlinks(plan.dataDir, plan.chainDir);
  const markerExists = plan.marker === undefined ? false : await assertNoSymlinks(plan.dataDir, plan.marker);
  let total = { bytes: 0, files: 0 };
  if (chainExists) {
    const st = await fsp.lstat(plan.chainDir);
    if (!st.isDirectory()) throw refuse(`${plan.chainDir} is not a directory`);
    total = await measureTree(plan.chainDir);
    await fsp.rm(plan.chainDir, { recursive: true, force: true });
    log.warn({ path: plan.chainDir, bytes: total.bytes, files: total.files }, `cleared C-chain data ${plan.chainDir}`);
  } else {
    log.info({ path: plan.chainDir }, 'no C-chain data to clear');
  }
  if (markerExists && plan.marker !== undefined) {
    const st = await fsp.lstat(plan.marker);
    await fsp.rm(plan.marker, { force: true, recursive: false });
    total = { bytes: total.bytes + st.size, files: total.files + 1 };
    log.warn({ path: plan.marker, bytes: st.size }, `removed import marker ${plan.marker}`);
  }
  return total;
}
