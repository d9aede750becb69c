// What the faucet knows about its ERC-20 (--token): each key's token balance and the gas one transfer
// needs, cached like ChainState (refreshed at most every --refresh-interval, single-flight, a failed
// refresh remembered until the next). Drips subtract what they spend so concurrent drips cannot
// promise more tokens than a key holds; a refused transfer gives it back.
import { errorMessage } from '../core/errors.js';
import type { Caller, TokenInfo } from './erc20.js';
import { estimateTransferGas, tokenBalance } from './erc20.js';

export class TokenState {
  /** token balance per faucet key (same order as the keys), minus drips since the refresh */
  readonly balances: Array<bigint | undefined>;
  gas: bigint | undefined;
  error: string | undefined = 'not yet refreshed';
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  transfers = 0;

  constructor(
    readonly info: TokenInfo,
    private readonly rpc: Caller,
    private readonly holders: readonly string[],
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {
    this.balances = holders.map(() => undefined);
  }

  /** Whether key `i` can pay one token drip. */
  covers(i: number): boolean {
    const b = this.balances[i];
    return b !== undefined && b >= this.info.amount && this.gas !== undefined;
  }

  /** Take one drip's tokens from key `i`'s known balance; returns the give-back. */
  spend(i: number): () => void {
    this.balances[i] = (this.balances[i] ?? 0n) - this.info.amount;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.balances[i] = (this.balances[i] ?? 0n) + this.info.amount;
    };
  }

  async ensureFresh(): Promise<void> {
    if (this.intervalMs > 0 && this.now() - this.refreshedAt < this.intervalMs && this.error === undefined) return;
    return this.refresh();
  }

  refresh(): Promise<void> {
    this.inflight ??= this.doRefresh().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async doRefresh(): Promise<void> {
    try {
      const balances = await Promise.all(this.holders.map((h) => tokenBalance(this.rpc, this.info.address, h)));
      // estimated from a key that holds tokens (a transfer from an empty one reverts)
      const from = this.holders[balances.findIndex((b) => b >= this.info.amount)] ?? this.holders[0]!;
      const gas = balances.some((b) => b >= this.info.amount) ? await estimateTransferGas(this.rpc, this.info, from) : this.gas;
      balances.forEach((b, i) => (this.balances[i] = b));
      this.gas = gas;
      this.error = undefined;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.refreshedAt = this.now();
    }
  }
}
