// Deploys test/fixtures/erc20/TestToken (committed bytecode, see compile.mjs there) on the test
// anvil from a given key, and reads token balances.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeDeployData, keccak256 } from 'viem';
import type { Abi } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { ROOT } from '../helpers/run-bin.js';
import type { Chain } from './helpers.js';
import { waitMined } from './helpers.js';
import { tokenBalance } from '../../src/faucet/erc20.js';

const artifact = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/erc20/TestToken.json'), 'utf8')) as { abi: Abi; bytecode: `0x${string}` };

/** Deploy a TestToken whose whole `supply` (base units) belongs to `owner`; returns its address. */
export async function deployToken(chain: Chain, owner: PrivateKeyAccount, symbol: string, decimals: number, supply: bigint): Promise<`0x${string}`> {
  const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args: [`Test ${symbol}`, symbol, decimals, supply] });
  const nonce = Number(BigInt(await chain.rpc.call<string>('eth_getTransactionCount', [owner.address, 'pending'])));
  const block = await chain.rpc.call<{ baseFeePerGas: string }>('eth_getBlockByNumber', ['latest', false]);
  const raw = await owner.signTransaction({ type: 'eip1559', chainId: 96369, nonce, data, gas: 3_000_000n, maxFeePerGas: BigInt(block.baseFeePerGas) * 2n + 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n });
  const hash = await chain.rpc.call<string>('eth_sendRawTransaction', [raw]);
  if (hash !== keccak256(raw)) throw new Error('unexpected hash');
  await waitMined(chain.rpc, hash);
  const r = await chain.rpc.call<{ contractAddress: `0x${string}`; status: string }>('eth_getTransactionReceipt', [hash]);
  if (r.status !== '0x1') throw new Error('token deployment reverted');
  return r.contractAddress;
}

export function balanceOf(chain: Chain, token: string, holder: string): Promise<bigint> {
  return tokenBalance(chain.rpc, token, holder);
}
