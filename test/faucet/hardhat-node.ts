// Hardhat's node (npm `hardhat` 3, the EDR engine) as a second, independent EVM implementation for
// the faucet tests: started from node_modules with a Node >= 22.13 (test/helpers/modern-node.ts)
// on 127.0.0.1 and chain id 96369, in a throwaway project directory (Hardhat writes its cache there).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/run-bin.js';
import { nodeAtLeast } from '../helpers/modern-node.js';
import { freePort } from '../../src/faucet/dev-node.js';
import { createJsonRpcClient } from '../../src/core/http.js';
import type { JsonRpcClient } from '../../src/core/http.js';

export interface HardhatNode {
  url: string;
  rpc: JsonRpcClient;
  stop(): Promise<void>;
}

/** Start `hardhat node` and wait (bounded: 60 s) until eth_chainId answers. */
export async function startHardhat(): Promise<HardhatNode> {
  const dir = await mkdtemp(join(tmpdir(), 'faucet-hardhat-'));
  await writeFile(join(dir, 'package.json'), '{"type":"module","private":true}\n');
  await writeFile(join(dir, 'hardhat.config.js'), 'export default {};\n');
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const port = await freePort();
  const child = spawn(nodeAtLeast('22.13.0'), [join(ROOT, 'node_modules/hardhat/dist/src/cli.js'), 'node', '--hostname', '127.0.0.1', '--port', String(port), '--chain-id', '96369'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', DO_NOT_TRACK: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const rpc = createJsonRpcClient(url, { timeoutMs: 5000 });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    try {
      await rpc.call('eth_chainId');
      return { url, rpc, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`hardhat node did not start: ${err}`);
}
