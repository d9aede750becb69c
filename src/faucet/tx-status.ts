// GET /tx/<hash>: whether a drip's transaction is mined, for the page's status line. Only hashes
// this faucet sent recently are looked up (the route is not a public receipt proxy), at most one
// node call per hash per second however many tabs poll, and memory is bounded (oldest forgotten).

export interface TxState {
  hash: string;
  status: 'pending' | 'mined' | 'failed';
  blockNumber?: number;
}

export interface ReceiptSource {
  call<T>(method: string, params?: unknown): Promise<T>;
}

interface Entry {
  state: TxState;
  checkedAt: number;
  inflight?: Promise<TxState> | undefined;
}

export class TxStatus {
  private readonly known = new Map<string, Entry>();

  constructor(
    private readonly rpc: ReceiptSource,
    private readonly now: () => number,
    private readonly maxEntries = 10_000,
    private readonly minIntervalMs = 1000,
  ) {}

  /** Remember a hash this faucet sent. */
  add(hash: string): void {
    const h = hash.toLowerCase();
    if (this.known.has(h)) return;
    this.known.set(h, { state: { hash: h, status: 'pending' }, checkedAt: Number.NEGATIVE_INFINITY });
    for (const k of this.known.keys()) {
      if (this.known.size <= this.maxEntries) break;
      this.known.delete(k);
    }
  }

  /** The state of a known hash (undefined when this faucet did not send it recently). */
  async get(hash: string): Promise<TxState | undefined> {
    const e = this.known.get(hash.toLowerCase());
    if (!e) return undefined;
    if (e.state.status !== 'pending' || this.now() - e.checkedAt < this.minIntervalMs) return e.state;
    e.inflight ??= this.lookup(e).finally(() => (e.inflight = undefined));
    return e.inflight;
  }

  private async lookup(e: Entry): Promise<TxState> {
    e.checkedAt = this.now();
    const r = await this.rpc.call<{ status?: string; blockNumber?: string } | null>('eth_getTransactionReceipt', [e.state.hash]);
    if (r && r.blockNumber) {
      e.state = { hash: e.state.hash, status: r.status === '0x0' ? 'failed' : 'mined', blockNumber: Number(BigInt(r.blockNumber)) };
    }
    return e.state;
  }
}
