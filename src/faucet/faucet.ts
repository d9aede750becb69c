// The drip decision, independent of HTTP: validate the address, hold rate-limit slots, check the
// balance, pick a key round-robin, send, and only then charge the limits. Every outcome comes back
// as a status + JSON body the server writes as is.
import type { Logger } from '../core/log.js';
import { JsonRpcError } from '../core/http.js';
import { errorMessage } from '../core/errors.js';
import { checkAddress } from './address.js';
import { ipBucket } from './client-ip.js';
import type { ChainState } from './chain-state.js';
import type { DripLimits } from './rate-limiter.js';
import type { KeySender, Sent } from './key-sender.js';
import { NoRpcError } from './rpc-pool.js';
import type { RpcPool } from './rpc-pool.js';
import type { Metrics } from './metrics.js';
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

const INSUFFICIENT = /insufficient funds|exceeds balance/i;
const REVERTED = 'transaction mined but failed (a contract recipient needs more than 21000 gas)';

export class Faucet {
  private rr = 0;
  constructor(readonly p: FaucetParts) {}

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

  /** Health: ok when an RPC answered and some key covers a drip. */
  async health(): Promise<DripAnswer> {
    const { chain, pool } = this.p;
    await chain.ensureFresh();
    const body: Record<string, unknown> = {
      status: 'ok',
      chainId: chain.chainId ?? null,
      address: this.p.senders[0]!.address,
      balance: chain.totalBalance().toString(),
      rpc: pool.status(),
    };
    if (this.p.senders.length > 1) body.accounts = chain.accounts.map((a) => ({ address: a.address, balance: (a.balance ?? 0n).toString() }));
    if (chain.error !== undefined) return { status: 503, body: { ...body, status: 'unavailable', reason: `no RPC answered: ${chain.error}` } };
    if (this.p.token) await this.p.token.ensureFresh();
    if (!chain.accounts.some((_, i) => this.covers(i))) {
      return { status: 503, body: { ...body, status: 'unavailable', reason: `faucet balance too low: need ${formatTokens(this.needed())} on one key` } };
    }
    return { status: 200, body };
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
    const admitted = g ? g.admit(addr.address, ip, pow) : { allowed: false };
    if ('status' in admitted) {
      m.drip(admitted.body.reason === 'pow' ? 'pow_failed' : 'denied');
      return admitted;
    }
    const res = this.p.limits.reserve(ipBucket(ip), addr.address.toLowerCase(), this.p.now());
    if (!res.ok) {
      m.drip('limited');
      const spec = res.limit === 'ip' ? this.p.limits.ip.spec : this.p.limits.address.spec;
      const who = res.limit === 'ip' ? 'this IP' : 'this address';
      const error = `rate limited: ${who} reached its limit of ${spec.count} drip${spec.count === 1 ? '' : 's'} per ${formatDuration(spec.windowMs)}; retry in ${res.retryAfterS}s`;
      return { status: 429, body: { error, limit: res.limit, retryAfterS: res.retryAfterS, retryAt: this.p.now() + res.retryAfterS * 1000 }, headers: { 'retry-after': String(res.retryAfterS) } };
    }
    const budget = g ? g.holdBudget(this.p.amountWei) : NO_HOLD;
    if ('status' in budget) {
      res.release();
      m.drip('over_budget');
      return budget;
    }
    let sent: Sent | undefined;
    let tokenSent: Sent | undefined;
    let tokenError: string | undefined;
    let held: { account: { balance: bigint | undefined }; cost: bigint } | undefined;
    let giveTokens: (() => void) | undefined;
    // every way out of this block that is not a sent drip gives the reserved slots back
    try {
      const refused = await g?.checkRecipient(addr.address, admitted.allowed);
      if (refused) {
        m.drip(refused.status === 403 ? 'denied' : 'unavailable');
        return refused;
      }
      await this.p.chain.ensureFresh();
      if (this.p.token) await this.p.token.ensureFresh();
      if (this.p.chain.error !== undefined || this.p.chain.chainId === undefined || !this.p.chain.fees || (this.p.token && this.p.token.error !== undefined)) {
        m.drip('unavailable');
        return { status: 503, body: { error: `faucet unavailable: no RPC answered (${this.p.chain.error})` } };
      }
      const sender = this.pickSender();
      if (!sender) {
        m.drip('unavailable');
        return { status: 503, body: { error: 'faucet unavailable: balance too low' } };
      }
      // spend the balance up front so concurrent drips cannot overdraw the key; given back on failure
      const index = this.p.senders.indexOf(sender);
      const account = this.p.chain.accounts[index]!;
      held = { account, cost: this.cost() };
      account.balance = (account.balance ?? 0n) - held.cost;
      const base = { fees: this.p.chain.fees, chainId: this.p.chain.chainId };
      const token = this.p.token;
      giveTokens = token?.spend(index);
      if (this.p.amountWei > 0n) sent = await sender.send({ ...base, to: addr.address, value: this.p.amountWei });
      if (token) {
        try {
          tokenSent = await sender.send({ ...base, to: token.info.address, value: 0n, data: transferData(addr.address, token.info.amount), gas: token.gas });
          token.transfers++;
        } catch (e) {
          // the native coin went out: the drip stands, the token part is reported as failed
          if (!sent) throw e;
          giveTokens?.();
          tokenError = 'token transfer failed';
          this.p.log.warn({ code: 'E_TOKEN_DRIP', to: addr.address }, `token transfer refused: ${errorMessage(e)}`);
        }
      }
      res.commit(this.p.now());
      budget.commit(this.p.now());
      m.drip('sent');
      g?.sent([sent?.hash, tokenSent?.hash].filter((h): h is `0x${string}` => h !== undefined));
      this.p.log.info({ to: addr.address, txHash: sent?.hash, tokenTxHash: tokenSent?.hash, nonce: (sent ?? tokenSent)!.nonce, from: sender.address, ip }, 'drip sent');
    } catch (e) {
      if (held) held.account.balance = (held.account.balance ?? 0n) + held.cost;
      giveTokens?.();
      return this.failure(e);
    } finally {
      // no-op after commit
      res.release();
      budget.release();
    }
    const first = (sent ?? tokenSent)!;
    if (this.p.wait === 'receipt') {
      const failed = await this.waitReceipt(first.hash);
      if (failed) return { status: failed === REVERTED ? 502 : 504, body: { error: failed, txHash: first.hash } };
    }
    const body: Record<string, unknown> = { txHash: first.hash, address: addr.address, amount: this.p.amountWei.toString() };
    if (this.p.token) body.tokenAmount = this.p.token.info.amount.toString();
    if (sent && tokenSent) body.tokenTxHash = tokenSent.hash;
    if (tokenError) body.tokenError = tokenError;
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

  private failure(e: unknown): DripAnswer {
    const m = this.p.metrics;
    if (e instanceof NoRpcError) {
      m.drip('unavailable');
      return { status: 503, body: { error: `faucet unavailable: ${e.message}` } };
    }
    if (e instanceof JsonRpcError) {
      const insufficient = INSUFFICIENT.test(e.rpcMessage);
      m.drip(insufficient ? 'unavailable' : 'rejected');
      this.p.log.warn({ code: e.code, rpcCode: e.rpcCode }, `node rejected the drip: ${e.rpcMessage}`);
      if (insufficient) void this.p.chain.refresh();
      return { status: insufficient ? 503 : 502, body: { error: `${insufficient ? 'faucet unavailable' : 'node rejected the transaction'}: ${e.rpcMessage}` } };
    }
    m.drip('error');
    this.p.log.error({ code: 'E_DRIP_FAILED' }, `drip failed: ${errorMessage(e)}`);
    return { status: 500, body: { error: 'drip failed' } };
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
