// What became of one eth_sendRawTransaction, and why a node refused one. Nodes do not agree on
// error codes or texts (anvil: -32003 "Insufficient funds for gas * price + value"; Hardhat:
// -32000 "Sender doesn't have enough funds..."; geth: -32000 "insufficient funds..."), so a refusal
// is never classified by its text: the sender re-reads the facts (is our transaction known, the
// pending nonce, the balance, the chain id) and decides from them.
import { HttpStatusError, JsonRpcError } from '../core/http.js';
import { LuxopsError, errorMessage } from '../core/errors.js';
import { maybeDelivered } from './rpc-pool.js';
import { TRANSFER_GAS } from './chain-state.js';
import type { Fees } from './chain-state.js';

export type Outcome =
  | { kind: 'accepted' }
  /** the request may have reached a node, and no answer came back: the transaction may exist */
  | { kind: 'ambiguous'; error: unknown }
  /** provably never reached a node (connection refused, DNS, a 4xx from a gateway) */
  | { kind: 'not-sent'; error: unknown }
  /** a node answered with a JSON-RPC error */
  | { kind: 'refused'; error: unknown };

/** Classify a failed send by how far the request got. */
export function outcomeOf(e: unknown): Outcome {
  if (e instanceof JsonRpcError) return { kind: 'refused', error: e };
  if (e instanceof HttpStatusError && e.status < 500) return { kind: 'not-sent', error: e };
  return maybeDelivered(e) ? { kind: 'ambiguous', error: e } : { kind: 'not-sent', error: e };
}

/** Why the faucet could not make a transfer, from re-read facts rather than the node's wording. */
export type RefusalReason = 'funds' | 'nonce' | 'chain' | 'node';

/** A transfer the node refused; `reason` says whose problem it is (all are the faucet's, none the user's). */
export class SendRefusedError extends LuxopsError {
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason, detail: string, cause: unknown) {
    super('E_SEND_REFUSED', `${REASON_TEXT[reason]}: ${detail}`, { cause, details: { reason } });
    this.reason = reason;
  }
}

const REASON_TEXT: Record<RefusalReason, string> = {
  funds: 'the key cannot pay for the transfer',
  nonce: 'the key\'s nonce keeps clashing (another sender, or a reset chain)',
  chain: 'the node is on another chain id now',
  node: 'the node refused the transaction',
};

/** What the sender re-reads after a refusal. */
export interface Facts {
  pendingNonce: number;
  balance: bigint;
  chainId: number;
  /** per refused transaction: does the node know it by hash (then it was accepted after all) */
  known: boolean[];
}

interface Caller {
  call<T>(method: string, params?: unknown): Promise<T>;
}

/** Re-read what decides a refusal (in parallel); undefined when the node cannot be asked. */
export async function readFacts(pool: Caller, address: string, refusedHashes: readonly string[]): Promise<Facts | undefined> {
  try {
    const [nonce, balance, chainId, known] = await Promise.all([
      pool.call<string>('eth_getTransactionCount', [address, 'pending']),
      pool.call<string>('eth_getBalance', [address, 'pending']),
      pool.call<string>('eth_chainId'),
      Promise.all(refusedHashes.map((h) => pool.call<unknown>('eth_getTransactionByHash', [h]).then((tx) => Boolean(tx)))),
    ]);
    return { pendingNonce: Number(BigInt(nonce)), balance: BigInt(balance), chainId: Number(BigInt(chainId)), known };
  } catch {
    return undefined;
  }
}

/** Why a refused transfer failed, from the facts (never from the node's wording); `stale`: our nonce view was wrong. */
export function refusal(stale: boolean, facts: Facts | undefined, t: { value: bigint; fees: Fees; chainId: number; gas?: bigint | undefined }, error: unknown): SendRefusedError {
  const said = errorMessage(error);
  if (stale) return new SendRefusedError('nonce', said, error);
  if (facts && facts.chainId !== t.chainId) return new SendRefusedError('chain', `chain id ${facts.chainId}, signed for ${t.chainId}: ${said}`, error);
  const cost = t.value + (t.gas ?? TRANSFER_GAS) * t.fees.maxFeePerGas;
  if (facts && facts.balance < cost) return new SendRefusedError('funds', `balance ${facts.balance} < ${cost} wei needed: ${said}`, error);
  return new SendRefusedError('node', said, error);
}
