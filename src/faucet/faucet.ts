// The drip decision, independent of HTTP: validate the address, hold rate-limit slots, check the
// balance, pick a key round-robin, make the charge durable (--state-file), send, and keep the
// charge unless the transfer provably never happened. Every outcome comes back as a status + JSON
// body the server writes as is. Public answers never carry internal details (endpoints, node
// messages): those go to the log and to the admin health view.
import type { Logger } from '../core/log.js';
import { LuxopsError, errorMessage } from '../core/errors.js';
import { checkAddress } from './address.js';
import { ipBucket } from './client-ip.js';
import type { ChainState } from './chain-state.js';
import type { DripLimits } from './rate-limiter.js';
import type { KeySender, Sent } from './key-sender.js';
import { NoRpcError } from './rpc-pool.js';
import type { RpcPool } from './rpc-pool.js';
import { SendRefusedError } from './send-outcome.js';
import type { Metrics, DripOutcome } from './metrics.js';
import type { StateJournal } from './state-journal.js';
import { formatTokens } from './values.js';
import { formatDuration } from '../core/units.js';

export interface DripAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface FaucetParts {
  chain: ChainState;
  pool: RpcPool;
  senders: KeySender[];
  limits: DripLimits;
  journal?: StateJournal | undefined;
  metrics: Metrics;
  log: Logger;
  now: () => number;
  amountWei: bigint;
  minBalanceWei: bigint;
  wait: 'accepted' | 'receipt';
  receiptTimeoutMs: number;
  signal: AbortSignal;
}

/** The one public error text for every failure that is the faucet's, not the user's. */
export const UNAVAILABLE = 'faucet temporarily unavailable';
/** /health turns unavailable after this many failed drips in a row (reset by a sent one). */
export const FAILING_AFTER = 3;
const REVERTED = 'transaction mined but failed (a contract recipient needs more than 21000 gas)';
const PENDING_NOTE = 'the node did not confirm the transfer in time; it may still be mined: look it up by txHash. This request was charged: do not retry.';

export class Faucet {
  private rr = 0;
  private readonly own: Set<string>;
  /** consecutive drips that failed on the faucet's side, and the last reason (admin health) */
  private failStreak = 0;
  private lastFailure: { at: string; reason: string } | undefined;

  constructor(readonly p: FaucetParts) {
    this.own = new Set(p.senders.map((s) => s.address.toLowerCase()));
  }

  /** The amount one drip needs on a key's balance. */
  private needed(): bigint {
    return this.p.minBalanceWei + this.p.amountWei + this.p.chain.transferFee();
  }

  /** Next key (round-robin) whose balance covers a drip, or undefined. */
  private pickSender(): KeySender | undefined {
    const n = this.p.senders.length;
    for (let k = 0; k < n; k++) {
      const i = (this.rr + k) % n;
      const bal = this.p.chain.accounts[i]!.balance;
      if (bal !== undefined && bal >= this.needed()) {
        this.rr = (i + 1) % n;
        return this.p.senders[i];
      }
    }
    return undefined;
  }

  /** Why drips cannot be served now, or undefined when they can. */
  private async outage(): Promise<string | undefined> {
    const { chain } = this.p;
    await chain.ensureFresh();
    if (chain.error !== undefined) return `no RPC answered: ${chain.error}`;
    if (!chain.accounts.some((a) => (a.balance ?? 0n) >= this.needed())) return `faucet balance too low: need ${formatTokens(this.needed())} on one key`;
    if (this.failStreak >= FAILING_AFTER) return `the last ${this.failStreak} drips failed: ${this.lastFailure?.reason ?? 'unknown'}`;
    return undefined;
  }

  /** Public health: the status only (200 ok / 503 unavailable); no endpoint, key or reason. */
  async health(): Promise<DripAnswer> {
    const reason = await this.outage();
    return reason === undefined ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'unavailable' } };
  }

  /** Admin health (--admin-listen): the same status with every detail an operator needs. */
  async adminHealth(): Promise<DripAnswer> {
    const reason = await this.outage();
    const { chain, pool, journal } = this.p;
    const body: Record<string, unknown> = {
      status: reason === undefined ? 'ok' : 'unavailable',
      ...(reason !== undefined ? { reason } : {}),
      chainId: chain.chainId ?? null,
      amount: formatTokens(this.p.amountWei),
      accounts: this.p.senders.map((s, i) => {
        const bal = chain.accounts[i]!.balance;
        return { address: s.address, balanceWei: bal?.toString() ?? null, balance: bal === undefined ? null : formatTokens(bal), nextNonce: s.nextNonce ?? null, inFlight: s.inFlight, unsettled: s.unsettled };
      }),
      rpc: pool.status(),
      drips: { failStreak: this.failStreak, lastFailure: this.lastFailure ?? null },
      ...(journal ? { stateFile: { writeErrors: journal.writeErrors, lastError: journal.lastError ?? null } } : {}),
    };
    return { status: reason === undefined ? 200 : 503, body };
  }

  private fail(outcome: DripOutcome, status: number, reason: string, fields: Record<string, unknown> = {}): DripAnswer {
    this.p.metrics.drip(outcome);
    this.failStreak++;
    this.lastFailure = { at: new Date(this.p.now()).toISOString(), reason };
    this.p.log.warn({ code: 'E_DRIP_FAILED', outcome, ...fields }, `drip failed: ${reason}`);
    return { status, body: { error: UNAVAILABLE }, headers: { 'retry-after': '30' } };
  }

  /** Handle one drip for `rawAddress` requested from `ip`. */
  async drip(rawAddress: unknown, ip: string): Promise<DripAnswer> {
    const m = this.p.metrics;
    const addr = checkAddress(rawAddress);
    if (!addr.ok) {
      m.drip('invalid');
      return { status: 400, body: { error: addr.error } };
    }
    const to = addr.address.toLowerCase();
    if (this.own.has(to)) {
      m.drip('invalid');
      return { status: 400, body: { error: 'refused: that is the faucet\'s own address' } };
    }
    const now = this.p.now();
    const ipKey = ipBucket(ip);
    const res = this.p.limits.reserve(ipKey, to, now);
    if (!res.ok) {
      m.drip('limited');
      const spec = res.limit === 'ip' ? this.p.limits.ip.spec : this.p.limits.address.spec;
      const who = res.limit === 'ip' ? 'this IP' : 'this address';
      const error = `rate limited: ${who} reached its limit of ${spec.count} drip${spec.count === 1 ? '' : 's'} per ${formatDuration(spec.windowMs)}; retry in ${res.retryAfterS}s`;
      return { status: 429, body: { error, retryAfterS: res.retryAfterS }, headers: { 'retry-after': String(res.retryAfterS) } };
    }
    const { chain, journal } = this.p;
    let chargeId: number | undefined;
    let held: { account: { balance: bigint | undefined }; cost: bigint } | undefined;
    let sent: Sent;
    try {
      await chain.ensureFresh();
      if (chain.error !== undefined || chain.chainId === undefined || !chain.fees) {
        res.release();
        return this.fail('unavailable', 503, `no RPC answered: ${chain.error}`);
      }
      const sender = this.pickSender();
      if (!sender) {
        res.release();
        return this.fail('unavailable', 503, 'balance too low');
      }
      // durable before the transfer exists: a crash from here on leaves the charge on disk
      if (journal) chargeId = await journal.charge(ipKey, to, now);
      // spend the balance up front so concurrent drips cannot overdraw the key; given back on failure
      const account = chain.accounts[this.p.senders.indexOf(sender)]!;
      held = { account, cost: this.p.amountWei + chain.transferFee() };
      account.balance = (account.balance ?? 0n) - held.cost;
      sent = await sender.send({ to: addr.address, value: this.p.amountWei, fees: chain.fees, chainId: chain.chainId });
    } catch (e) {
      // every failure that reaches here is a transfer that was never sent: the charge is given back
      if (held) held.account.balance = (held.account.balance ?? 0n) + held.cost;
      if (chargeId !== undefined) journal?.release(chargeId);
      res.release();
      return this.failure(e);
    }
    res.commit(now);
    if (chargeId !== undefined) journal?.settle(chargeId);
    const body = { txHash: sent.hash, address: addr.address, amount: this.p.amountWei.toString() };
    if (sent.pending) {
      // charged and counted as a failure (the node is struggling), but the client learns the truth: maybe
      m.drip('pending');
      this.failStreak++;
      this.lastFailure = { at: new Date(this.p.now()).toISOString(), reason: 'the node did not answer eth_sendRawTransaction in time' };
      this.p.log.warn({ to: addr.address, txHash: sent.hash, nonce: sent.nonce, from: sent.from, ip }, 'drip pending: the node did not answer in time');
      return { status: 202, body: { ...body, status: 'pending', note: PENDING_NOTE } };
    }
    m.drip('sent');
    this.failStreak = 0;
    this.p.log.info({ to: addr.address, txHash: sent.hash, nonce: sent.nonce, from: sent.from, ip }, 'drip sent');
    if (this.p.wait === 'receipt') {
      const failed = await this.waitReceipt(sent.hash);
      if (failed) return { status: failed === REVERTED ? 502 : 504, body: { error: failed, txHash: sent.hash } };
    }
    return { status: 200, body };
  }

  private async failure(e: unknown): Promise<DripAnswer> {
    const detail = errorMessage(e);
    if (e instanceof SendRefusedError) {
      // the node said no: read balance, nonce and chain again so /health and the next answer agree
      await this.p.chain.refresh();
      return e.reason === 'node' ? this.fail('rejected', 502, detail, { reason: e.reason }) : this.fail('unavailable', 503, detail, { reason: e.reason });
    }
    if (e instanceof NoRpcError) return this.fail('unavailable', 503, detail);
    if (e instanceof LuxopsError && e.code === 'E_STATE_WRITE') return this.fail('unavailable', 503, detail);
    return this.fail('error', 500, detail);
  }

  /** Poll for the receipt (--wait receipt); returns an error text, or undefined once mined with status 1. */
  private async waitReceipt(hash: string): Promise<string | undefined> {
    const deadline = this.p.now() + this.p.receiptTimeoutMs;
    while (this.p.now() < deadline && !this.p.signal.aborted) {
      try {
        const r = await this.p.pool.call<{ status?: string } | null>('eth_getTransactionReceipt', [hash]);
        if (r) return r.status === '0x1' || r.status === undefined ? undefined : REVERTED;
      } catch {
        // transient: keep polling until the deadline
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    return 'transaction accepted but not mined in time';
  }
}
