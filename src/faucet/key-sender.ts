// One nonce stream per key. Transfers for a key are signed and handed to the node one at a time,
// in nonce order, so nonces are consecutive with no gap and no duplicate however many requests
// arrive at once; a nonce is consumed only when the node accepted its transaction, so a rejected
// transaction leaves no hole. `nonce too low` / `replacement transaction underpriced` mean someone
// else used the key: resync from the node's pending count and retry that transfer once.
import { keccak256 } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { JsonRpcError } from '../core/http.js';
import { NoRpcError } from './rpc-pool.js';
import type { RpcPool } from './rpc-pool.js';
import { TRANSFER_GAS } from './chain-state.js';
import type { Fees } from './chain-state.js';

export interface Transfer {
  to: `0x${string}`;
  value: bigint;
  fees: Fees;
  chainId: number;
}

export interface Sent {
  hash: `0x${string}`;
  nonce: number;
  from: `0x${string}`;
}

interface Signed {
  transfer: Transfer;
  nonce: number;
  raw: `0x${string}`;
  hash: `0x${string}`;
}

interface Job {
  transfer: Transfer;
  resolve(s: Sent): void;
  reject(e: unknown): void;
}

const NONCE_CLASH = /nonce too low|replacement transaction underpriced|nonce has already been used|already used/i;
const ALREADY_KNOWN = /already known|known transaction|already imported|transaction already exists/i;

/** True for node answers that mean our nonce view is stale. */
export function isNonceClash(e: unknown): boolean {
  return e instanceof JsonRpcError && NONCE_CLASH.test(e.rpcMessage);
}

export class KeySender {
  readonly address: `0x${string}`;
  private next: number | undefined;
  private readonly queue: Job[] = [];
  private busy = false;
  /** accepted transactions and resyncs, for metrics */
  sent = 0;
  resyncs = 0;

  constructor(
    private readonly account: PrivateKeyAccount,
    private readonly pool: RpcPool,
  ) {
    this.address = account.address;
  }

  /** Transfers waiting for or holding this key's next nonce. */
  get inFlight(): number {
    return this.queue.length + (this.busy ? 1 : 0);
  }

  /** The nonce the next transfer will use (undefined until synced). */
  get nextNonce(): number | undefined {
    return this.next;
  }

  /** Queue a transfer; resolves once the node accepted it. */
  send(transfer: Transfer): Promise<Sent> {
    return new Promise<Sent>((resolve, reject) => {
      this.queue.push({ transfer, resolve, reject });
      if (!this.busy) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.busy = true;
    let pre: Signed | undefined;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        try {
          const out = await this.sendOne(job.transfer, pre, this.queue[0]?.transfer);
          pre = out.nextSigned;
          job.resolve(out.sent);
        } catch (e) {
          pre = undefined;
          job.reject(e);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async sign(t: Transfer, nonce: number): Promise<Signed> {
    const raw = await this.account.signTransaction({
      type: 'eip1559',
      chainId: t.chainId,
      nonce,
      to: t.to,
      value: t.value,
      gas: TRANSFER_GAS,
      maxFeePerGas: t.fees.maxFeePerGas,
      maxPriorityFeePerGas: t.fees.maxPriorityFeePerGas,
    });
    return { transfer: t, nonce, raw, hash: keccak256(raw) };
  }

  private async sync(): Promise<number> {
    const hex = await this.pool.call<string>('eth_getTransactionCount', [this.address, 'pending']);
    this.next = Number(BigInt(hex));
    return this.next;
  }

  /**
   * Send `t` with the next nonce. While the node works on it, `following` (the next queued
   * transfer) is signed with the nonce after: used only if this one is accepted and nothing
   * resynced in between, so the guess costs nothing when wrong.
   */
  private async sendOne(t: Transfer, pre: Signed | undefined, following: Transfer | undefined): Promise<{ sent: Sent; nextSigned: Signed | undefined }> {
    for (let attempt = 1; ; attempt++) {
      const nonce = this.next ?? (await this.sync());
      const signed = pre && pre.transfer === t && pre.nonce === nonce ? pre : await this.sign(t, nonce);
      pre = undefined;
      const sending = this.pool.call<string>('eth_sendRawTransaction', [signed.raw]);
      sending.catch(() => undefined);
      const nextSigned = following ? await this.sign(following, nonce + 1) : undefined;
      try {
        await sending;
      } catch (e) {
        if (e instanceof JsonRpcError && ALREADY_KNOWN.test(e.rpcMessage)) {
          // a fallback endpoint already has this exact transaction: it was accepted
        } else if (isNonceClash(e) && attempt === 1) {
          this.resyncs++;
          this.next = undefined;
          continue;
        } else {
          // the node may or may not have it when no endpoint answered: ask again next time
          if (e instanceof NoRpcError) this.next = undefined;
          throw e;
        }
      }
      this.next = nonce + 1;
      this.sent++;
      return { sent: { hash: signed.hash, nonce, from: this.address }, nextSigned };
    }
  }
}
