// KeySender's window logic against a scripted node (deterministic faults a real anvil will not
// produce on demand): a rejected transfer in the middle of a window is filled, a rejected tail frees
// its nonces, a clash resyncs and retries once, a dead RPC forces a resync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTransaction } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { KeySender } from '../../src/faucet/key-sender.js';
import type { Transfer } from '../../src/faucet/key-sender.js';
import { JsonRpcError } from '../../src/core/http.js';
import { NoRpcError } from '../../src/faucet/rpc-pool.js';
import { DEV_KEYS, randomAddress } from './helpers.js';

const account = privateKeyToAccount(DEV_KEYS[0]);
const t = (): Transfer => ({ to: randomAddress(), value: 1n, fees: { maxFeePerGas: 2n, maxPriorityFeePerGas: 1n }, chainId: 96369 });
const rpcError = (message: string) => new JsonRpcError('http://node', 'eth_sendRawTransaction', { code: -32000, message });

/** A node that accepts everything except what `reject` says; `pending` is what eth_getTransactionCount answers. */
function scriptedNode(reject: (nonce: number, to: string, attempt: number) => Error | undefined, pending = () => 0) {
  const accepted: Array<{ nonce: number; to: string; value: bigint }> = [];
  const attempts = new Map<number, number>();
  return {
    accepted,
    async call<T>(method: string, params?: unknown): Promise<T> {
      if (method === 'eth_getTransactionCount') return `0x${pending().toString(16)}` as T;
      const tx = parseTransaction((params as [`0x${string}`])[0]);
      const nonce = tx.nonce!;
      const n = (attempts.get(nonce) ?? 0) + 1;
      attempts.set(nonce, n);
      const err = reject(nonce, tx.to!, n);
      if (err) throw err;
      accepted.push({ nonce, to: tx.to!, value: tx.value ?? 0n });
      return '0x' as T;
    },
  };
}

test('a rejected transfer in the middle of a window is filled with a 0-value self-transfer', async () => {
  const node = scriptedNode((nonce, to) => (nonce === 1 && to !== account.address.toLowerCase() && to !== account.address ? rpcError('txpool is full') : undefined));
  const s = new KeySender(account, node, undefined, 4);
  const results = await Promise.allSettled([t(), t(), t(), t()].map((x) => s.send(x)));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  assert.deepEqual(node.accepted.map((a) => a.nonce).sort(), [0, 1, 2, 3]);
  const filler = node.accepted.find((a) => a.nonce === 1)!;
  assert.equal(filler.to.toLowerCase(), account.address.toLowerCase());
  assert.equal(filler.value, 0n);
  assert.equal(s.holesFilled, 1);
  assert.equal(s.nextNonce, 4);
});

test('a rejected tail frees its nonces for the next transfers', async () => {
  let broke = true;
  const node = scriptedNode((nonce) => (broke && nonce >= 2 ? rpcError('insufficient funds for gas * price + value') : undefined));
  const s = new KeySender(account, node, undefined, 4);
  const results = await Promise.allSettled([t(), t(), t(), t()].map((x) => s.send(x)));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  assert.equal(s.nextNonce, 2);
  broke = false;
  assert.equal((await s.send(t())).nonce, 2);
  assert.equal(s.holesFilled, 0);
});

test('nonce too low: resync and retry that transfer once; a second clash fails it', async () => {
  let pending = 5;
  const node = scriptedNode((nonce) => (nonce < pending ? rpcError('nonce too low') : undefined), () => pending);
  const s = new KeySender(account, node, undefined, 4);
  assert.equal((await s.send(t())).nonce, 5);
  // someone else sends nonces 6 and 7 behind our back
  pending = 8;
  const r = await s.send(t());
  assert.equal(r.nonce, 8);
  assert.equal(s.resyncs, 1);
  // a node that keeps saying "too low": one retry, then the error surfaces
  const stubborn = scriptedNode(() => rpcError('nonce too low'));
  const s2 = new KeySender(account, stubborn, undefined, 4);
  await assert.rejects(s2.send(t()), /nonce too low/);
  assert.equal(s2.resyncs, 2);
});

test('no RPC: the window fails, and the next transfer asks the node for the nonce again', async () => {
  let down = true;
  let syncs = 0;
  const node = scriptedNode(() => (down ? new NoRpcError('connection refused') : undefined), () => (syncs++, 0));
  const s = new KeySender(account, node, undefined, 4);
  await assert.rejects(s.send(t()), /no RPC endpoint answered/);
  assert.equal(s.nextNonce, undefined);
  down = false;
  assert.equal((await s.send(t())).nonce, 0);
  assert.equal(syncs, 2);
});

test('"already known" counts as accepted (a fallback endpoint got the same bytes)', async () => {
  const node = scriptedNode(() => rpcError('already known'));
  const s = new KeySender(account, node, undefined, 4);
  assert.equal((await s.send(t())).nonce, 0);
  assert.equal(s.nextNonce, 1);
});
