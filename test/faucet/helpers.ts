// Shared pieces of the faucet tests: a real anvil on 127.0.0.1 (npm @foundry-rs/anvil), a faucet
// started in-process on port 0 with test-friendly settings, and small HTTP/RPC helpers.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { PrivateKeyAccount } from 'viem/accounts';
import { request } from 'undici';
import { ROOT } from '../helpers/run-bin.js';
import { createLogger, silentLogger } from '../../src/core/log.js';
import type { Logger } from '../../src/core/log.js';
import { createJsonRpcClient } from '../../src/core/http.js';
import type { JsonRpcClient } from '../../src/core/http.js';
import { findAnvil, startDevNode } from '../../src/faucet/dev-node.js';
import type { DevNode } from '../../src/faucet/dev-node.js';
import { startFaucet } from '../../src/faucet/start.js';
import type { FaucetSettings, RunningFaucet } from '../../src/faucet/start.js';
import { NO_LIMIT, parseLimit } from '../../src/faucet/values.js';

export const ANVIL_BIN = findAnvil(undefined, [ROOT]);
/** anvil's dev accounts #1..#3 (public keys of the default mnemonic), used as faucet keys in tests */
export const DEV_KEYS = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
] as const;
export const ONE = 10n ** 18n;

export interface Chain {
  node: DevNode;
  rpc: JsonRpcClient;
  balance(addr: string): Promise<bigint>;
  /** a fresh key holding `wei` */
  fundedKey(wei: bigint): Promise<PrivateKeyAccount>;
}

/** Start anvil (chain 96369) on a free loopback port. */
export async function startChain(): Promise<Chain> {
  const node = await startDevNode(ANVIL_BIN);
  const rpc = createJsonRpcClient(node.url, { timeoutMs: 5000 });
  return {
    node,
    rpc,
    balance: async (a) => BigInt(await rpc.call<string>('eth_getBalance', [a, 'latest'])),
    async fundedKey(wei) {
      const acct = privateKeyToAccount(generatePrivateKey());
      await rpc.call('anvil_setBalance', [acct.address, `0x${wei.toString(16)}`]);
      return acct;
    },
  };
}

/** Start a faucet on 127.0.0.1:0 against `rpcUrls` (limits default to 1/24h). */
export function startTestFaucet(rpcUrls: string[], over: Partial<FaucetSettings> = {}): Promise<RunningFaucet> {
  return startFaucet({
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    rpcUrls,
    chainId: 96369,
    accounts: [privateKeyToAccount(DEV_KEYS[0])],
    amountWei: ONE,
    minBalanceWei: 0n,
    ipLimit: parseLimit('ip-limit', '1/24h'),
    addressLimit: parseLimit('address-limit', '1/24h'),
    limitMaxEntries: 1000,
    trustProxy: 0,
    wait: 'accepted',
    receiptTimeoutMs: 10_000,
    refreshIntervalMs: 0,
    requestTimeoutMs: 10_000,
    rpcTimeoutMs: 2000,
    log: silentLogger(),
    now: Date.now,
    signal: new AbortController().signal,
    ...over,
  });
}

export { NO_LIMIT };

/** A debug-level logger whose JSON lines are kept for assertions. */
export function captureLogger(): { log: Logger; lines(): Array<Record<string, unknown>> } {
  let text = '';
  const log = createLogger({ level: 'debug', component: 'faucet', sink: { write: (s: string) => (text += s) } });
  return { log, lines: () => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Poll `check` (bounded: ~10 s) until it returns true. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within 10 s: ${what}`);
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
  text: string;
}

/** One HTTP request to the faucet. */
export async function call(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(`${base}${path}`, { method: method as 'GET', body, headers });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (page, metrics)
  }
  return { status: res.statusCode, headers: res.headers, json, text };
}

/** POST /drip with a JSON body. */
export function drip(base: string, address: string, headers: Record<string, string> = {}): Promise<Answer> {
  return call(base, 'POST', '/drip', JSON.stringify({ address }), { 'content-type': 'application/json', ...headers });
}

/** A random recipient address. */
export function randomAddress(): `0x${string}` {
  return privateKeyToAccount(generatePrivateKey()).address;
}

/** Wait (at most ~10 s) until `hash` has a receipt; anvil mines right after accepting, not before answering. */
export async function waitMined(rpc: JsonRpcClient, hash: string): Promise<{ status: string; blockNumber: string }> {
  for (let i = 0; i < 100; i++) {
    const r = await rpc.call<{ status: string; blockNumber: string } | null>('eth_getTransactionReceipt', [hash]);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${hash} not mined within 10s`);
}
