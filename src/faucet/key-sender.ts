// One nonce stream per key. Waiting transfers are taken in windows of up to 16: consecutive nonces
// are assigned and signed in order, sent as one ordered JSON-RPC batch (one round trip), and the
// window settles before the next starts, so there is never a duplicate.
//
// Money rules:
// - A send whose request may have reached the node without an answer (timeout, reset, 5xx) is
//   *ambiguous*: its transfer resolves as `pending`, its nonce stays taken, and the signed bytes are
//   kept (unsettled) until reconcile() knows: found by hash, or re-broadcast (same bytes, so at most
//   one of them can ever be mined), or the nonce proven used. No new nonce is read from the node
//   while anything is unsettled, so an ambiguous transfer can never be followed by a second one
//   with another nonce for the same request.
// - A refusal is classified from re-read facts (send-outcome.ts). A pending nonce other than the one
//   we expect means our view is stale (someone else used the key, the chain was reset): resync and
//   retry that transfer once. A refused transfer below an accepted one leaves a hole, filled at once
//   with a 0-value self-transfer so the accepted ones still get mined.
// - After an idle spell the nonce is read again before sending (a devnet reset while idle).
import { keccak256 } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { NoRpcError } from './rpc-pool.js';
import { TRANSFER_GAS } from './chain-state.js';
import type { Fees } from './chain-state.js';
import { outcomeOf, readFacts, refusal } from './send-outcome.js';
import type { Outcome } from './send-outcome.js';
import { Reconciler } from './reconcile.js';
import type { Signed } from './reconcile.js';

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
  /** the node did not answer in time: the transaction may or may not exist yet (it is being reconciled) */
  pending: boolean;
}

/** What a sender needs from the RPC pool (tests pass a scripted node). */
export interface RpcCaller {
  call<T>(method: string, params?: unknown): Promise<T>;
  /** several calls of one method in order, one round trip (optional: single calls otherwise) */
  batch?<T>(method: string, paramsList: readonly unknown[][]): Promise<Array<{ ok: true; result: T } | { ok: false; error: unknown }>>;
}

interface Job {
  transfer: Transfer;
  retried: boolean;
  resolve(s: Sent): void;
  reject(e: unknown): void;
}

export const SEND_WINDOW = 16;

export interface KeySenderOptions {
  window?: number;
  /** read the nonce from the node again before sending after this long without a send */
  idleResyncMs?: number;
  /** how often unsettled transfers are retried while no drip comes */
  reconcileRetryMs?: number;
  now?: () => number;
}

export class KeySender {
  readonly address: `0x${string}`;
  private next: number | undefined;
  private readonly queue: Job[] = [];
  private busy = false;
  private sending = 0;
  private lastSendAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly reconciler: Reconciler;
  private readonly window: number;
  private readonly idleResyncMs: number;
  private readonly reconcileRetryMs: number;
  private readonly now: () => number;
  /** accepted transactions, resyncs and filled holes, for metrics and tests */
  sent = 0;
  resyncs = 0;
  holesFilled = 0;

  constructor(
    private readonly account: PrivateKeyAccount,
    private readonly pool: RpcCaller,
    private readonly log?: Logger,
    opts: KeySenderOptions | number = {},
  ) {
    this.address = account.address;
    const o = typeof opts === 'number' ? { window: opts } : opts;
    this.window = o.window ?? SEND_WINDOW;
    this.idleResyncMs = o.idleResyncMs ?? 10_000;
    this.reconcileRetryMs = o.reconcileRetryMs ?? 2000;
    this.now = o.now ?? Date.now;
    this.reconciler = new Reconciler(account.address, pool, log);
  }

  /** Transfers waiting for or holding a nonce. */
  get inFlight(): number {
    return this.queue.length + this.sending;
  }

  /** The nonce the next transfer will use (undefined until synced). */
  get nextNonce(): number | undefined {
    return this.next;
  }

  /** Ambiguous transfers not reconciled yet (their nonces stay reserved). */
  get unsettled(): ReadonlyArray<{ nonce: number; hash: string }> {
    return this.reconciler.unsettled;
  }

  /** Counters of reconciled transfers by result, for metrics. */
  get reconciled(): Readonly<Record<string, number>> {
    return this.reconciler.results;
  }

  /** Queue a transfer; resolves once the node accepted it (or the send became ambiguous: `pending`). */
  send(transfer: Transfer): Promise<Sent> {
    return new Promise<Sent>((resolve, reject) => {
      this.queue.push({ transfer, retried: false, resolve, reject });
      if (!this.busy) void this.pump();
    });
  }

  /** Stop the background reconcile timer (shutdown). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async pump(): Promise<void> {
    this.busy = true;
    clearTimeout(this.timer);
    try {
      for (;;) {
        while (this.queue.length > 0) {
          const jobs = this.queue.splice(0, this.window);
          this.sending = jobs.length;
          try {
            await this.sendWindow(jobs);
          } catch (e) {
            // only failures before anything was sent (reconcile, nonce sync, signing) get here
            for (const j of jobs) j.reject(e);
          } finally {
            this.sending = 0;
          }
        }
        if (this.reconciler.unsettled.length === 0) break;
        await this.reconcile().catch(() => undefined);
        if (this.queue.length === 0) break;
      }
    } finally {
      this.busy = false;
    }
    // nobody else will come to settle them: keep trying in the background (unref'd: never holds the process)
    if (this.reconciler.unsettled.length > 0 && !this.closed) {
      this.timer = setTimeout(() => void (this.busy || this.pump()), this.reconcileRetryMs);
      this.timer.unref();
    }
  }

  /** Settle ambiguous transfers; a freed nonce means the next window reads the nonce again. Throws NoRpcError while the node cannot tell. */
  private async reconcile(): Promise<void> {
    if (await this.reconciler.run()) this.next = undefined;
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
    return this.pool.call<string>('eth_sendRawTransaction', [s.raw]).then(() => ({ kind: 'accepted' }) as Outcome, outcomeOf);
  }

  /** Send a window: one ordered batch when the pool can, else concurrent single calls. */
  private async submitAll(signed: Signed[]): Promise<Outcome[]> {
    if (!this.pool.batch || signed.length === 1) return Promise.all(signed.map((s) => this.submit(s)));
    try {
      const items = await this.pool.batch<string>('eth_sendRawTransaction', signed.map((s) => [s.raw]));
      return items.map((it) => (it.ok ? { kind: 'accepted' } : outcomeOf(it.error)));
    } catch (e) {
      return signed.map(() => outcomeOf(e));
    }
  }

  private async sendWindow(jobs: Job[]): Promise<void> {
    await this.reconcile();
    const base = this.next !== undefined && this.now() - this.lastSendAt < this.idleResyncMs ? this.next : await this.sync();
    const signed: Signed[] = [];
    for (let i = 0; i < jobs.length; i++) signed.push(await this.sign(jobs[i]!.transfer, base + i));
    const outcomes = await this.submitAll(signed);
    this.lastSendAt = this.now();

    const refusedIdx = outcomes.flatMap((o, i) => (o.kind === 'refused' ? [i] : []));
    const facts = refusedIdx.length > 0 ? await readFacts(this.pool, this.address, refusedIdx.map((i) => signed[i]!.hash)) : undefined;
    // our exact transaction is known to the node: it was accepted, whatever the refusal said ("already known")
    refusedIdx.forEach((i, k) => facts?.known[k] && (outcomes[i] = { kind: 'accepted' }));
    const kept = (o: Outcome) => o.kind === 'accepted' || o.kind === 'ambiguous';
    let lastKept = -1;
    outcomes.forEach((o, i) => kept(o) && (lastKept = i));
    const firstGap = outcomes.findIndex((o) => !kept(o));
    const stillRefused = outcomes.some((o) => o.kind === 'refused');
    // with our view right, the node's pending nonce is just past the kept prefix; anything else is a stale view
    const stale = stillRefused && (!facts || facts.pendingNonce !== base + (firstGap < 0 ? outcomes.length : firstGap));
    let resync = stale || outcomes.some((o) => o.kind === 'not-sent');
    // fill before answering: the kept transfers after a hole only get mined once it is filled (not when
    // the nonce is stale: then the "hole" is someone else's transaction)
    if (!stale) {
      for (let i = 0; i < lastKept; i++) if (!kept(outcomes[i]!)) resync = !(await this.fillHole(base + i, jobs[0]!.transfer)) || resync;
    }
    const retry: Job[] = [];
    outcomes.forEach((o, i) => {
      const job = jobs[i]!;
      const s = signed[i]!;
      if (kept(o)) {
        this.sent++;
        if (o.kind === 'ambiguous') this.reconciler.add(s, errorMessage(o.error));
        job.resolve({ hash: s.hash, nonce: s.nonce, from: this.address, pending: o.kind === 'ambiguous' });
      } else if (o.kind === 'not-sent') {
        job.reject(o.error instanceof NoRpcError ? o.error : new NoRpcError(errorMessage(o.error)));
      } else if (stale && !job.retried) {
        job.retried = true;
        retry.push(job);
      } else {
        job.reject(refusal(stale, facts, job.transfer, o.error));
      }
    });
    if (resync) this.resyncs++;
    if (stale) this.log?.warn({ from: this.address, expected: base + Math.max(firstGap, 0), pending: facts?.pendingNonce ?? null }, 'the node refused a transfer and its pending nonce is not ours: reading the nonce again');
    // a refused tail frees its nonces: the next window starts right after the last kept one
    this.next = resync ? undefined : base + lastKept + 1;
    this.queue.unshift(...retry);
  }

  /** Fill a hole with a 0-value transfer to ourselves so the accepted transfers after it can be mined. */
  private async fillHole(nonce: number, like: Transfer): Promise<boolean> {
    const filler = await this.sign({ fees: like.fees, chainId: like.chainId, to: this.address, value: 0n }, nonce);
    const o = await this.submit(filler);
    if (o.kind === 'accepted' || o.kind === 'ambiguous') {
      if (o.kind === 'ambiguous') this.reconciler.add(filler, errorMessage(o.error));
      this.holesFilled++;
      this.log?.warn({ from: this.address, nonce, txHash: filler.hash }, 'filled a nonce hole left by a refused transfer');
      return true;
    }
    this.log?.error({ code: 'E_NONCE_HOLE', from: this.address, nonce }, `cannot fill nonce hole: ${errorMessage(o.error)}; the next transfer will take it`);
    return false;
  }
}
