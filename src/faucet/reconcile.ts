// Ambiguous transfers (the node may have them, it never said) and how they are settled before the
// key's next nonce is read from the node. Each one, in nonce order:
//   1. eth_getTransactionByHash: known (pending or mined) -> it exists, its nonce is used;
//   2. else re-broadcast the very same signed bytes: accepted -> it exists now;
//   3. refused: look again by hash (mined meanwhile?), then the pending nonce: past ours -> the
//      nonce was consumed by another transaction (ours can never be mined); not past it -> the node
//      refused ours for good (funds, fees): the nonce is free again.
// A transport failure leaves it unsettled (NoRpcError): the key sends nothing new until it knows.
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { NoRpcError } from './rpc-pool.js';
import { outcomeOf } from './send-outcome.js';

export interface Signed {
  nonce: number;
  raw: `0x${string}`;
  hash: `0x${string}`;
}

interface Caller {
  call<T>(method: string, params?: unknown): Promise<T>;
}

export type Settlement = 'found' | 'rebroadcast' | 'consumed' | 'dropped';

export class Reconciler {
  private readonly list: Array<Signed & { since: number; why: string }> = [];
  /** settled transfers by result (metrics) */
  readonly results: Record<Settlement, number> = { found: 0, rebroadcast: 0, consumed: 0, dropped: 0 };

  constructor(
    private readonly address: string,
    private readonly pool: Caller,
    private readonly log?: Logger,
  ) {}

  get unsettled(): ReadonlyArray<{ nonce: number; hash: string }> {
    return this.list.map((s) => ({ nonce: s.nonce, hash: s.hash }));
  }

  add(s: Signed, why: string): void {
    this.list.push({ ...s, since: Date.now(), why });
    this.list.sort((a, b) => a.nonce - b.nonce);
    this.log?.warn({ code: 'E_SEND_AMBIGUOUS', from: this.address, nonce: s.nonce, txHash: s.hash }, `the node did not answer a transfer (${why}): answered as pending, its nonce stays reserved until it is found or re-broadcast`);
  }

  /** Settle every unsettled transfer; true when a nonce was freed (the caller reads the nonce again). Throws NoRpcError while the node cannot be asked. */
  async run(): Promise<boolean> {
    let freed = false;
    while (this.list.length > 0) {
      const s = this.list[0]!;
      const result = await this.settle(s);
      this.list.shift();
      this.results[result]++;
      freed ||= result === 'dropped' || result === 'consumed';
      const fields = { from: this.address, nonce: s.nonce, txHash: s.hash, result };
      if (result === 'found' || result === 'rebroadcast') this.log?.info(fields, 'pending transfer reconciled: the node has it');
      else this.log?.error({ code: 'E_PENDING_LOST', ...fields }, `pending transfer will never be mined (${result === 'consumed' ? 'its nonce was used by another transaction' : 'the node refused it on re-broadcast'})`);
    }
    return freed;
  }

  private async known(hash: string): Promise<boolean> {
    return Boolean(await this.pool.call<unknown>('eth_getTransactionByHash', [hash]));
  }

  private async settle(s: Signed): Promise<Settlement> {
    if (await this.known(s.hash)) return 'found';
    const o = await this.pool.call<string>('eth_sendRawTransaction', [s.raw]).then(() => ({ kind: 'accepted' as const }), outcomeOf);
    if (o.kind === 'accepted') return 'rebroadcast';
    if (o.kind !== 'refused') throw o.error instanceof NoRpcError ? o.error : new NoRpcError(errorMessage(o.error), true);
    if (await this.known(s.hash)) return 'found';
    const pending = Number(BigInt(await this.pool.call<string>('eth_getTransactionCount', [this.address, 'pending'])));
    return pending > s.nonce ? 'consumed' : 'dropped';
  }
}
