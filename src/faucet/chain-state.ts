// What the faucet knows about the chain: chain id, EIP-1559 fees and each key's balance, cached
// for --refresh-interval so /health and /drip do not ask the node on every request. A refresh is
// single-flight; a failed one is remembered (and answered as 503) until the next one.
import { errorMessage } from '../core/errors.js';
import type { RpcPool } from './rpc-pool.js';

export const TRANSFER_GAS = 21_000n;

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface AccountState {
  readonly address: `0x${string}`;
  /** balance from the last refresh, minus what drips spent since */
  balance: bigint | undefined;
}

export class ChainState {
  chainId: number | undefined;
  fees: Fees | undefined;
  /** why the last refresh failed; undefined after a good one */
  error: string | undefined = 'not yet refreshed';
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly pool: RpcPool,
    readonly accounts: AccountState[],
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Upper bound of the fee one transfer pays. */
  transferFee(): bigint {
    return this.fees ? this.fees.maxFeePerGas * TRANSFER_GAS : 0n;
  }

  /** Sum of the accounts' known balances. */
  totalBalance(): bigint {
    return this.accounts.reduce((s, a) => s + (a.balance ?? 0n), 0n);
  }

  /**
   * Refresh when the cache is older than the interval (always when the interval is 0). A good
   * cache up to 3 intervals old is served while a background refresh runs, so a busy /health
   * never queues behind the node; a failed or older one is awaited.
   */
  async ensureFresh(): Promise<void> {
    if (this.intervalMs === 0) return this.refresh();
    const age = this.now() - this.refreshedAt;
    if (age < this.intervalMs) return;
    const refreshing = this.refresh();
    if (this.error === undefined && age < 3 * this.intervalMs) {
      refreshing.catch(() => undefined);
      return;
    }
    await refreshing;
  }

  /** Ask the node now (joins a refresh already running). */
  refresh(): Promise<void> {
    this.inflight ??= this.doRefresh().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async doRefresh(): Promise<void> {
    try {
      const chainId = await this.pool.probe();
      if (chainId === undefined) {
        const mismatch = this.pool.chainMismatch();
        throw new Error(mismatch ? `${mismatch.url} is on ${mismatch.error}` : this.pool.status().map((s) => s.error).join('; '));
      }
      const [block, tip] = await Promise.all([
        this.pool.call<{ baseFeePerGas?: string } | null>('eth_getBlockByNumber', ['latest', false]),
        this.pool.call<string>('eth_maxPriorityFeePerGas').catch(() => '0x0'),
      ]);
      const base = BigInt(block?.baseFeePerGas ?? '0x0');
      const priority = BigInt(tip);
      // 2x base fee: the transaction stays includable through several blocks of rising base fee
      const fees = { maxFeePerGas: base * 2n + priority, maxPriorityFeePerGas: priority };
      const balances = await Promise.all(this.accounts.map((a) => this.pool.call<string>('eth_getBalance', [a.address, 'pending'])));
      this.chainId = chainId;
      this.fees = fees;
      this.accounts.forEach((a, i) => (a.balance = BigInt(balances[i]!)));
      this.error = undefined;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.refreshedAt = this.now();
    }
  }
}
