// KeySender's window logic against a scripted node (deterministic faults a real anvil will not
// produce on demand): a refused transfer in the middle of a window is filled, a refused tail frees
// its nonces, a refusal is classified from re-read facts (never from the node's wording), a dead
// RPC forces a resync, and an ambiguous send keeps its nonce until it is reconciled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keccak256, parseTransaction } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { KeySender } from '../../src/faucet/key-sender.js';
import type { Transfer } from '../../src/faucet/key-sender.js';
import { SendRefusedError } from '../../src/faucet/send-outcome.js';
import { JsonRpcError } from '../../src/core/http.js';
import { NoRpcError } from '../../src/faucet/rpc-pool.js';
import { DEV_KEYS, randomAddress } from './helpers.js';

const account = privateKeyToAccount(DEV_KEYS[0]);
const t = (): Transfer => ({ to: randomAddress(), value: 1n, fees: { maxFeePerGas: 2n, maxPriorityFeePerGas: 1n }, chainId: 96369 });
const rpcError = (message: string) => new JsonRpcError('http://node', 'eth_sendRawTransaction', { code: -32000, message });
const self = (to: string) => to.toLowerCase() === account.address.toLowerCase();

interface Script {
  /** an error to throw for this send (undefined: accept) */
  reject?: (nonce: number, to: string, attempt: number) => Error | undefined;
  /** accept the transaction into the pool, then throw this (the answer is lost) */
  loseAnswer?: (nonce: number, attempt: number) => Error | undefined;
  /** what eth_getTransactionCount(pending) answers; default: the first nonce not accepted */
  pending?: () => number;
  balance?: () => bigint;
  /** every call fails with this while set (the node is unreachable) */
  down?: () => Error | undefined;
}

/** A node that accepts everything except what the script says. */
function scriptedNode(s: Script = {}) {
  const accepted: Array<{ nonce: number; to: string; value: bigint; raw: string }> = [];
  const sends: string[] = [];
  const attempts = new Map<number, number>();
  let syncs = 0;
  return {
    accepted,
    sends,
    get syncs() {
      return syncs;
    },
    async call<T>(method: string, params?: unknown): Promise<T> {
      const down = s.down?.();
      if (down) throw down;
      const p = params as unknown[];
      if (method === 'eth_getTransactionCount') {
        syncs++;
        // like geth: the first nonce without a transaction (queued ones after a gap do not count)
        let contiguous = 0;
        while (accepted.some((a) => a.nonce === contiguous)) contiguous++;
        return `0x${(s.pending?.() ?? contiguous).toString(16)}` as T;
      }
      if (method === 'eth_getBalance') return `0x${(s.balance?.() ?? 10n ** 20n).toString(16)}` as T;
      if (method === 'eth_chainId') return '0x17871' as T;
      if (method === 'eth_getTransactionByHash') return (accepted.find((a) => keccak256(a.raw as `0x${string}`) === p[0]) ?? null) as T;
      const raw = p[0] as `0x${string}`;
      sends.push(raw);
      const tx = parseTransaction(raw);
      const nonce = tx.nonce!;
      const n = (attempts.get(nonce) ?? 0) + 1;
      attempts.set(nonce, n);
      const err = s.reject?.(nonce, tx.to!, n);
      if (err) throw err;
      if (!accepted.some((a) => a.raw === raw)) accepted.push({ nonce, to: tx.to!, value: tx.value ?? 0n, raw });
      const lost = s.loseAnswer?.(nonce, n);
      if (lost) throw lost;
      return keccak256(raw) as T;
    },
  };
}

test('a refused transfer in the middle of a window is filled with a 0-value self-transfer', async () => {
  const node = scriptedNode({ reject: (nonce, to) => (nonce === 1 && !self(to) ? rpcError('txpool is full') : undefined) });
  const s = new KeySender(account, node, undefined, 4);
  const results = await Promise.allSettled([t(), t(), t(), t()].map((x) => s.send(x)));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  assert.deepEqual(node.accepted.map((a) => a.nonce).sort(), [0, 1, 2, 3]);
  const filler = node.accepted.find((a) => a.nonce === 1)!;
  assert.ok(self(filler.to));
  assert.equal(filler.value, 0n);
  assert.equal(s.holesFilled, 1);
  assert.equal(s.nextNonce, 4);
});

test('a refused tail frees its nonces; the balance re-read says why (funds), whatever the node wrote', async () => {
  let broke = true;
  const node = scriptedNode({ reject: (nonce) => (broke && nonce >= 2 ? rpcError('Sender doesn\'t have enough funds to send tx.') : undefined), balance: () => (broke ? 0n : 10n ** 20n) });
  const s = new KeySender(account, node, undefined, 4);
  const results = await Promise.allSettled([t(), t(), t(), t()].map((x) => s.send(x)));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  const why = (results[2] as PromiseRejectedResult).reason as SendRefusedError;
  assert.ok(why instanceof SendRefusedError && why.reason === 'funds', String(why));
  assert.equal(s.nextNonce, 2);
  broke = false;
  assert.equal((await s.send(t())).nonce, 2);
  assert.equal(s.holesFilled, 0);
});

test('a refusal with the node\'s pending nonce ahead of ours (someone else used the key): resync and retry once', async () => {
  let external = 5;
  const node = scriptedNode({ reject: (nonce) => (nonce < external ? rpcError('whatever text') : undefined), pending: () => external });
  const s = new KeySender(account, node, undefined, 4);
  assert.equal((await s.send(t())).nonce, 5);
  external = 8; // nonces 6 and 7 sent behind our back
  assert.equal((await s.send(t())).nonce, 8);
  assert.equal(s.resyncs, 1);
  // the node keeps moving ahead: one retry, then the drip fails as a nonce problem
  const racing = { n: 0 };
  const runaway = scriptedNode({ reject: () => rpcError('nonce too low'), pending: () => (racing.n += 3) });
  const s2 = new KeySender(account, runaway, undefined, 4);
  await assert.rejects(s2.send(t()), (e: unknown) => e instanceof SendRefusedError && e.reason === 'nonce');
  assert.equal(s2.resyncs, 2);
});

test('a chain that was reset (node\'s nonce below ours, "nonce too high" in any wording): resync, retry, sent', async () => {
  let reset = false;
  const node = scriptedNode({ reject: (nonce) => (reset && nonce > 0 ? rpcError('Nonce too high. Expected nonce to be 0 but got 3.') : undefined), pending: () => (reset ? 0 : 3) });
  const s = new KeySender(account, node, undefined, 4);
  assert.equal((await s.send(t())).nonce, 3);
  reset = true;
  assert.equal((await s.send(t())).nonce, 0);
  assert.equal(s.resyncs, 1);
});

test('the node\'s text alone is not trusted: "nonce too low" with a consistent nonce is a plain refusal, no retry', async () => {
  const node = scriptedNode({ reject: () => rpcError('nonce too low'), pending: () => 0 });
  const s = new KeySender(account, node, undefined, 4);
  await assert.rejects(s.send(t()), (e: unknown) => e instanceof SendRefusedError && e.reason === 'node');
  assert.equal(node.sends.length, 1, 'not retried');
});

test('no RPC (never sent): the window fails, and the next transfer asks the node for the nonce again', async () => {
  let down = true;
  const node = scriptedNode({ reject: () => (down ? new NoRpcError('connection refused') : undefined), pending: () => 0 });
  const s = new KeySender(account, node, undefined, 4);
  await assert.rejects(s.send(t()), /no RPC endpoint answered/);
  assert.equal(s.nextNonce, undefined);
  down = false;
  assert.equal((await s.send(t())).nonce, 0);
  assert.equal(node.syncs, 2);
});

test('"already known" in any wording: the node knows our hash, so it was accepted', async () => {
  const node = scriptedNode({ reject: (_n, _to, attempt) => (attempt === 1 ? rpcError('transaction already imported') : undefined) });
  const s = new KeySender(account, node, undefined, 4);
  // simulate another endpoint having taken the bytes: the first attempt is refused but the pool has it
  const orig = node.call.bind(node);
  node.call = async <T>(method: string, params?: unknown): Promise<T> => {
    if (method === 'eth_sendRawTransaction') {
      const raw = (params as [string])[0];
      const tx = parseTransaction(raw as `0x${string}`);
      if (!node.accepted.some((a) => a.raw === raw)) node.accepted.push({ nonce: tx.nonce!, to: tx.to!, value: tx.value ?? 0n, raw });
    }
    return orig<T>(method, params);
  };
  assert.equal((await s.send(t())).nonce, 0);
  assert.equal(s.nextNonce, 1);
});

test('ambiguous send (node took it, answer lost): pending, and its nonce is never given to another transfer', async () => {
  const node = scriptedNode({ loseAnswer: (nonce, attempt) => (nonce === 0 && attempt === 1 ? new NoRpcError('timed out', true) : undefined) });
  const s = new KeySender(account, node, undefined, { window: 4, reconcileRetryMs: 60_000 });
  const first = await s.send(t());
  assert.equal(first.pending, true);
  assert.equal(first.nonce, 0);
  assert.equal(s.unsettled.length, 1);
  const second = await s.send(t());
  assert.equal(second.pending, false);
  assert.equal(second.nonce, 1);
  assert.deepEqual(s.unsettled, []);
  assert.equal(s.reconciled.found, 1);
  assert.deepEqual(node.accepted.map((a) => a.nonce), [0, 1]);
  s.close();
});

test('ambiguous send the node never got: the same signed bytes are re-broadcast, no second transfer', async () => {
  let lose = true;
  const node = scriptedNode({ reject: () => (lose ? new NoRpcError('connection reset', true) : undefined) });
  const s = new KeySender(account, node, undefined, { window: 4, reconcileRetryMs: 60_000 });
  const first = await s.send(t());
  assert.equal(first.pending, true);
  // the node stays unreachable: the next drip is not sent (503 upstream), the nonce not read, the transfer stays unsettled
  await assert.rejects(s.send(t()), NoRpcError);
  assert.equal(node.syncs, 1);
  assert.equal(s.unsettled.length, 1);
  lose = false;
  const second = await s.send(t());
  assert.equal(second.nonce, 1);
  assert.equal(s.reconciled.rebroadcast, 1);
  assert.equal(node.sends[node.sends.length - 2], node.sends[0], 'the re-broadcast is byte for byte the first transaction');
  assert.deepEqual(node.accepted.map((a) => a.nonce), [0, 1]);
  s.close();
});

test('ambiguous send whose nonce someone else used: settled as consumed, the nonce read again', async () => {
  let lose = true;
  let external = 0;
  const node = scriptedNode({ reject: (nonce) => (lose ? new NoRpcError('timed out', true) : nonce < external ? rpcError('nonce too low') : undefined), pending: () => external });
  const s = new KeySender(account, node, undefined, { window: 4, reconcileRetryMs: 60_000 });
  assert.equal((await s.send(t())).pending, true);
  lose = false;
  external = 1;
  assert.equal((await s.send(t())).nonce, 1);
  assert.equal(s.reconciled.consumed, 1);
  s.close();
});

test('unsettled transfers are reconciled in the background when no drip comes', async () => {
  let lose = true;
  const node = scriptedNode({ reject: () => (lose ? new NoRpcError('timed out', true) : undefined) });
  const s = new KeySender(account, node, undefined, { window: 4, reconcileRetryMs: 50 });
  assert.equal((await s.send(t())).pending, true);
  lose = false;
  for (let i = 0; i < 100 && s.unsettled.length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(s.unsettled, []);
  assert.equal(node.accepted.length, 1);
  s.close();
});

test('after an idle spell the nonce is read from the node again (a devnet reset while idle)', async () => {
  let clock = 0;
  let pending = 0;
  const node = scriptedNode({ pending: () => pending });
  const s = new KeySender(account, node, undefined, { window: 4, idleResyncMs: 1000, now: () => clock });
  pending = 4;
  assert.equal((await s.send(t())).nonce, 4);
  clock += 500;
  assert.equal((await s.send(t())).nonce, 5, 'busy: our own count');
  clock += 5000;
  pending = 0;
  assert.equal((await s.send(t())).nonce, 0, 'idle: asked again');
});
