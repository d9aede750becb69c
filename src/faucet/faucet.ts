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
import type { DripGuards, PowSolution } from './guards.js';
import type { TokenState } from './token-state.js';
import { transferData } from './erc20.js';

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
  /** --pow-*, --daily-budget, lists, --refuse-contracts (issue #17) */
  guards?: DripGuards | undefined;
  /** --token */
  token?: TokenState | undefined;
}

const NO_HOLD = { commit: () => {}, release: () => {} };

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

  /** Native coin one drip spends: the amount and the fees of its transaction(s). */
  private cost(): bigint {
    const fees = this.p.chain.fees;
    const tokenFee = this.p.token && fees ? (this.p.token.gas ?? 0n) * fees.maxFeePerGas : 0n;
    return (this.p.amountWei > 0n ? this.p.amountWei + this.p.chain.transferFee() : 0n) + tokenFee;
  }

  /** The amount one drip needs on a key's balance. */
  private needed(): bigint {
    return this.p.minBalanceWei + this.cost();
  }

  /** Whether key `i` covers a drip (native and, with --token, token balance). */
  private covers(i: number): boolean {
    const bal = this.p.chain.accounts[i]!.balance;
    return bal !== undefined && bal >= this.needed() && (!this.p.token || this.p.token.covers(i));
  }

  /** Next key (round-robin) whose balance covers a drip, or undefined. */
  private pickSender(): KeySender | undefined {
    const n = this.p.senders.length;
    for (let k = 0; k < n; k++) {
      const i = (this.rr + k) % n;
      if (this.covers(i)) {
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
    if (this.p.token) {
      await this.p.token.ensureFresh();
      if (this.p.token.error !== undefined) return `cannot read the token balances: ${this.p.token.error}`;
    }
    if (!chain.accounts.some((_, i) => this.covers(i))) return `faucet balance too low: need ${formatTokens(this.needed())}${this.p.token ? ` and ${this.p.token.info.amount} token units` : ''} on one key`;
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
  async drip(rawAddress: unknown, ip: string, pow: PowSolution = {}): Promise<DripAnswer> {
    const m = this.p.metrics;
    const g = this.p.guards;
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
    const admitted = g ? g.admit(addr.address, ip, pow) : { allowed: false };
    if ('status' in admitted) {
      m.drip(admitted.body.reason === 'pow' ? 'pow_failed' : 'denied');
      return admitted;
    }
    const now = this.p.now();
    const ipKey = ipBucket(ip);
    const res = this.p.limits.reserve(ipKey, to, now);
    if (!res.ok) {
      m.drip('limited');
      const spec = res.limit === 'ip' ? this.p.limits.ip.spec : this.p.limits.address.spec;
      const who = res.limit === 'ip' ? 'this IP' : 'this address';
      const error = `rate limited: ${who} reached its limit of ${spec.count} drip${spec.count === 1 ? '' : 's'} per ${formatDuration(spec.windowMs)}; retry in ${res.retryAfterS}s`;
      return { status: 429, body: { error, limit: res.limit, retryAfterS: res.retryAfterS, retryAt: now + res.retryAfterS * 1000 }, headers: { 'retry-after': String(res.retryAfterS) } };
    }
    // the daily budget is held with the limit slots and charged or given back with them
    const budget = g ? g.holdBudget(this.p.amountWei) : NO_HOLD;
    if ('status' in budget) {
      res.release();
      m.drip('over_budget');
      return budget;
    }
    const { chain, journal, token } = this.p;
    let chargeId: number | undefined;
    let held: { account: { balance: bigint | undefined }; cost: bigint } | undefined;
    let giveTokens: (() => void) | undefined;
    let sent: Sent | undefined;
    let tokenSent: Sent | undefined;
    let tokenError: string | undefined;
    const giveBack = () => {
      res.release();
      budget.release();
    };
    try {
      const refused = await g?.checkRecipient(addr.address, admitted.allowed);
      if (refused?.status === 403) {
        giveBack();
        m.drip('denied');
        return refused;
      }
      if (refused) {
        giveBack();
        return this.fail('unavailable', 503, 'eth_getCode for the recipient failed');
      }
      await chain.ensureFresh();
      if (token) await token.ensureFresh();
      if (chain.error !== undefined || chain.chainId === undefined || !chain.fees) {
        giveBack();
        return this.fail('unavailable', 503, `no RPC answered: ${chain.error}`);
      }
      if (token?.error !== undefined) {
        giveBack();
        return this.fail('unavailable', 503, `cannot read the token balances: ${token.error}`);
      }
      const sender = this.pickSender();
      if (!sender) {
        giveBack();
        return this.fail('unavailable', 503, 'balance too low');
      }
      // durable before the transfer exists: a crash from here on leaves the charge (and its budget share) on disk
      if (journal) chargeId = await journal.charge(ipKey, to, now, g?.budget ? this.p.amountWei : undefined);
      // spend the balance up front so concurrent drips cannot overdraw the key; given back on failure
      const index = this.p.senders.indexOf(sender);
      const account = chain.accounts[index]!;
      held = { account, cost: this.cost() };
      account.balance = (account.balance ?? 0n) - held.cost;
      giveTokens = token?.spend(index);
      const base = { fees: chain.fees, chainId: chain.chainId };
      if (this.p.amountWei > 0n) sent = await sender.send({ ...base, to: addr.address, value: this.p.amountWei });
      if (token) {
        try {
          // same key, same nonce stream: the next nonce after the native transfer
          tokenSent = await sender.send({ ...base, to: token.info.address, value: 0n, data: transferData(addr.address, token.info.amount), gas: token.gas });
          token.transfers++;
        } catch (e) {
          // the native coin went out (or may have): the drip and its charge stand, the token part is reported
          if (!sent) throw e;
          giveTokens?.();
          tokenError = 'token transfer failed';
          this.p.log.warn({ code: 'E_TOKEN_DRIP', to: addr.address }, `token transfer refused: ${errorMessage(e)}`);
        }
      }
    } catch (e) {
      // every failure that reaches here is a transfer that was never sent: the charge is given back
      if (held) held.account.balance = (held.account.balance ?? 0n) + held.cost;
      giveTokens?.();
      if (chargeId !== undefined) journal?.release(chargeId);
      giveBack();
      return this.failure(e);
    }
    res.commit(now);
    budget.commit(now);
    if (chargeId !== undefined) journal?.settle(chargeId);
    const first = (sent ?? tokenSent)!;
    g?.sent([sent?.hash, tokenSent?.hash].filter((h): h is `0x${string}` => h !== undefined));
    const body: Record<string, unknown> = { txHash: first.hash, address: addr.address, amount: this.p.amountWei.toString() };
    if (token) body.tokenAmount = token.info.amount.toString();
    if (sent && tokenSent) body.tokenTxHash = tokenSent.hash;
    if (tokenError) body.tokenError = tokenError;
    if (sent?.pending || tokenSent?.pending) {
      // charged and counted as a failure (the node is struggling), but the client learns the truth: maybe
      m.drip('pending');
      this.failStreak++;
      this.lastFailure = { at: new Date(this.p.now()).toISOString(), reason: 'the node did not answer eth_sendRawTransaction in time' };
      this.p.log.warn({ to: addr.address, txHash: first.hash, tokenTxHash: tokenSent?.hash, nonce: first.nonce, from: first.from, ip }, 'drip pending: the node did not answer in time');
      return { status: 202, body: { ...body, status: 'pending', note: PENDING_NOTE } };
    }
    m.drip('sent');
    this.failStreak = 0;
    this.p.log.info({ to: addr.address, txHash: first.hash, tokenTxHash: tokenSent?.hash, nonce: first.nonce, from: first.from, ip }, 'drip sent');
    if (this.p.wait === 'receipt') {
      const failed = await this.waitReceipt(first.hash);
      if (failed) return { status: failed === REVERTED ? 502 : 504, body: { error: failed, txHash: first.hash } };
    }
    return { status: 200, body };
  }

  /** Which limit would refuse `address` from `ip` now (GET /challenge asks before a puzzle is solved). */
  limitPeek(address: string, ip: string): { limit: 'ip' | 'address'; retryAfterS: number } | undefined {
    const now = this.p.now();
    const ipWait = this.p.limits.ip.blockedForMs(ipBucket(ip), now);
    const addrWait = this.p.limits.address.blockedForMs(address.toLowerCase(), now);
    if (ipWait <= 0 && addrWait <= 0) return undefined;
    return { limit: ipWait >= addrWait ? 'ip' : 'address', retryAfterS: Math.ceil(Math.max(ipWait, addrWait) / 1000) };
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
