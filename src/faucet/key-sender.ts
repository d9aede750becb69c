// One nonce stream per key. Waiting transfers are taken in windows of up to 16: consecutive nonces
// are assigned and signed in order, sent as one ordered JSON-RPC batch (one round trip), and the
// window settles before the next starts, so there is never a duplicate, and a nonce is consumed
// only when the node accepted its transaction. A rejected tail leaves the next nonce at the first rejected one; a rejected
// transfer in the middle (a hole that would hold back the accepted ones after it) is filled at once
// with a 0-value self-transfer. `nonce too low` / `replacement transaction underpriced` mean someone
// else used the key: resync from the node's pending count and retry that transfer once.
import { keccak256 } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import type { Logger } from '../core/log.js';
import { JsonRpcError } from '../core/http.js';
import { errorMessage } from '../core/errors.js';
import { NoRpcError } from './rpc-pool.js';
import { TRANSFER_GAS } from './chain-state.js';
import type { Fees } from './chain-state.js';

export interface Transfer {
  to: `0x${string}`;
  value: bigint;
  fees: Fees;
  chainId: number;
  /** contract call data (an ERC-20 transfer) and its gas limit; a plain transfer without */
  data?: `0x${string}` | undefined;
  gas?: bigint | undefined;
}

export interface Sent {
  hash: `0x${string}`;
  nonce: number;
  from: `0x${string}`;
}

/** What a sender needs from the RPC pool (tests pass a scripted node). */
export interface RpcCaller {
  call<T>(method: string, params?: unknown): Promise<T>;
  /** several calls of one method in order, one round trip (optional: single calls otherwise) */
  batch?<T>(method: string, paramsList: readonly unknown[][]): Promise<Array<{ ok: true; result: T } | { ok: false; error: unknown }>>;
}

interface Signed {
  nonce: number;
  raw: `0x${string}`;
  hash: `0x${string}`;
}

interface Job {
  transfer: Transfer;
  retried: boolean;
  resolve(s: Sent): void;
  reject(e: unknown): void;
}

type Outcome = { ok: true } | { ok: false; error: unknown; clash: boolean; transport: boolean };

const NONCE_CLASH = /nonce too low|replacement transaction underpriced|nonce has already been used|already used/i;
const ALREADY_KNOWN = /already known|known transaction|already imported|transaction already exists/i;
export const SEND_WINDOW = 16;

/** True for node answers that mean our nonce view is stale. */
export function isNonceClash(e: unknown): boolean {
  return e instanceof JsonRpcError && NONCE_CLASH.test(e.rpcMessage);
}

function classify(e: unknown): Outcome {
  // the exact transaction is already in the pool (a fallback endpoint got it first): accepted
  if (e instanceof JsonRpcError && ALREADY_KNOWN.test(e.rpcMessage)) return { ok: true };
  return { ok: false, error: e, clash: isNonceClash(e), transport: e instanceof NoRpcError };
}

export class KeySender {
  readonly address: `0x${string}`;
  private next: number | undefined;
  private readonly queue: Job[] = [];
  private busy = false;
  private sending = 0;
  /** accepted transactions, resyncs and filled holes, for metrics and tests */
  sent = 0;
  resyncs = 0;
  holesFilled = 0;

  constructor(
    private readonly account: PrivateKeyAccount,
    private readonly pool: RpcCaller,
    private readonly log?: Logger,
    private readonly window = SEND_WINDOW,
  ) {
    this.address = account.address;
  }

  /** Transfers waiting for or holding a nonce. */
  get inFlight(): number {
    return this.queue.length + this.sending;
  }

  /** The nonce the next transfer will use (undefined until synced). */
  get nextNonce(): number | undefined {
    return this.next;
  }

  /** Queue a transfer; resolves once the node accepted it. */
  send(transfer: Transfer): Promise<Sent> {
    return new Promise<Sent>((resolve, reject) => {
      this.queue.push({ transfer, retried: false, resolve, reject });
      if (!this.busy) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const jobs = this.queue.splice(0, this.window);
        this.sending = jobs.length;
        try {
          await this.sendWindow(jobs);
        } catch (e) {
          // only failures before anything was sent (nonce sync, signing) get here
          for (const j of jobs) j.reject(e);
        } finally {
          this.sending = 0;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async sync(): Promise<number> {
    const hex = await this.pool.call<string>('eth_getTransactionCount', [this.address, 'pending']);
    this.next = Number(BigInt(hex));
    return this.next;
  }

  private async sign(t: Transfer, nonce: number): Promise<Signed> {
    const raw = await this.account.signTransaction({
      type: 'eip1559',
      chainId: t.chainId,
      nonce,
      to: t.to,
      value: t.value,
      gas: t.gas ?? TRANSFER_GAS,
      ...(t.data ? { data: t.data } : {}),
      maxFeePerGas: t.fees.maxFeePerGas,
      maxPriorityFeePerGas: t.fees.maxPriorityFeePerGas,
    });
    return { nonce, raw, hash: keccak256(raw) };
  }

  private submit(s: Signed): Promise<Outcome> {
    return this.pool.call<string>('eth_sendRawTransaction', [s.raw]).then(() => ({ ok: true }) as Outcome, classify);
  }

  /** Send a window: one ordered batch when the pool can, else concurrent single calls. */
  private async submitAll(signed: Signed[]): Promise<Outcome[]> {
    if (!this.pool.batch || signed.length === 1) return Promise.all(signed.map((s) => this.submit(s)));
    try {
      const items = await this.pool.batch<string>('eth_sendRawTransaction', signed.map((s) => [s.raw]));
      return items.map((it) => (it.ok ? { ok: true } : classify(it.error)));
    } catch (e) {
      return signed.map(() => classify(e));
    }
  }

  private async sendWindow(jobs: Job[]): Promise<void> {
    const base = this.next ?? (await this.sync());
    const signed: Signed[] = [];
    for (let i = 0; i < jobs.length; i++) signed.push(await this.sign(jobs[i]!.transfer, base + i));
    const outcomes = await this.submitAll(signed);
    let lastOk = -1;
    outcomes.forEach((o, i) => o.ok && (lastOk = i));
    // a clashing nonce is taken by someone else's transaction: no hole; any other failure below an accepted one is
    const holes = outcomes.flatMap((o, i) => (!o.ok && !o.clash && i < lastOk ? [base + i] : []));
    let resync = outcomes.some((o) => !o.ok && (o.clash || o.transport));
    // fill before answering: the accepted transfers after a hole only get mined once it is filled
    for (const nonce of holes) resync = !(await this.fillHole(nonce, jobs[0]!.transfer)) || resync;
    const retry: Job[] = [];
    outcomes.forEach((o, i) => {
      const job = jobs[i]!;
      if (o.ok) {
        this.sent++;
        job.resolve({ hash: signed[i]!.hash, nonce: base + i, from: this.address });
      } else if (o.clash && !job.retried) {
        job.retried = true;
        retry.push(job);
      } else {
        job.reject(o.error);
      }
    });
    if (resync) this.resyncs++;
    // a rejected tail frees its nonces: the next window starts right after the last accepted one
    this.next = resync ? undefined : base + lastOk + 1;
    this.queue.unshift(...retry);
  }

  /** Fill a hole with a 0-value transfer to ourselves so the accepted transfers after it can be mined. */
  private async fillHole(nonce: number, like: Transfer): Promise<boolean> {
    const filler = await this.sign({ fees: like.fees, chainId: like.chainId, to: this.address, value: 0n }, nonce);
    const o = await this.submit(filler);
    if (o.ok) {
      this.holesFilled++;
      this.log?.warn({ from: this.address, nonce, txHash: filler.hash }, 'filled a nonce hole left by a rejected transfer');
      return true;
    }
    this.log?.error({ code: 'E_NONCE_HOLE', from: this.address, nonce }, `cannot fill nonce hole: ${errorMessage(o.error)}; the next transfer will take it`);
    return false;
  }
}
