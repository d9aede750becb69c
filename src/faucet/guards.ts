// The opt-in protections in front of a drip, in the order a request meets them: deny/allow lists
// (cheap, before anything else), the proof of work (one HMAC + one SHA-256), the daily budget (held
// with the rate-limit slots and charged or given back with them), the contract check (one
// eth_getCode, only for recipients that passed everything else). Also: GET /challenge, which
// answers a limited address or IP at once so nobody solves a puzzle to be refused afterwards.
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { PowGuard } from './pow.js';
import type { AutoDifficulty } from './pow.js';
import { RollingBudget } from './budget.js';
import { AccessLists, classifyCode } from './access-list.js';
import { TxStatus } from './tx-status.js';
import type { ReceiptSource } from './tx-status.js';
import { checkAddress } from './address.js';

/** Status + JSON body, as Faucet answers (kept structural so this file does not import faucet.ts). */
export interface GuardAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface PowSettings {
  difficulty: number;
  key: Uint8Array;
  ttlMs: number;
  auto?: AutoDifficulty | undefined;
}

export interface GuardSettings {
  pow?: PowSettings | undefined;
  dailyBudgetWei?: bigint | undefined;
  denyList?: string | undefined;
  allowList?: string | undefined;
  listReloadMs: number;
  refuseContracts: boolean;
}

export interface PowSolution {
  challenge?: unknown;
  nonce?: unknown;
}

export type Held = { commit(at: number): void; release(): void };

/** The node calls the guards make; `batch` (RpcPool's) lets concurrent contract checks share one request. */
export interface GuardRpc extends ReceiptSource {
  batch?<T>(method: string, paramsList: readonly unknown[][]): Promise<Array<{ ok: true; result: T } | { ok: false; error: unknown }>>;
}

/** Contract checks waiting in the same tick go out as one JSON-RPC batch of at most this many (a 24 KB contract is 48 KB of hex: 16 stay under the 1 MiB answer cap). */
const CODE_BATCH = 16;

/** What a limit peek reports: which limit blocks and for how long. */
export type LimitPeek = { limit: 'ip' | 'address'; retryAfterS: number } | undefined;

function overBudget(r: { retryAfterS: number; freesAt: number }): GuardAnswer {
  return {
    status: 503,
    body: { error: `the faucet's daily budget is used up; it frees in ${r.retryAfterS}s`, reason: 'budget', retryAfterS: r.retryAfterS, retryAt: r.freesAt },
    headers: { 'retry-after': String(r.retryAfterS) },
  };
}

export class DripGuards {
  readonly pow: PowGuard | undefined;
  readonly budget: RollingBudget | undefined;
  readonly lists: AccessLists;
  readonly txs: TxStatus;
  readonly contracts = { checked: 0, refused: 0, errors: 0 };
  private codeQueue: Array<{ address: string; resolve(code: string): void; reject(e: unknown): void }> = [];
  private codeRound: Promise<void> | undefined;

  constructor(
    readonly s: GuardSettings,
    private readonly rpc: GuardRpc,
    private readonly log: Logger,
    private readonly now: () => number,
    /** what one drip takes from the budget */
    private readonly budgetAmount: bigint,
  ) {
    this.pow = s.pow && s.pow.difficulty > 0 ? new PowGuard({ key: s.pow.key, difficulty: s.pow.difficulty, ttlMs: s.pow.ttlMs, maxTracked: 500_000, now, auto: s.pow.auto }) : undefined;
    this.budget = s.dailyBudgetWei !== undefined ? new RollingBudget(s.dailyBudgetWei, now) : undefined;
    this.lists = new AccessLists({ denyList: s.denyList, allowList: s.allowList }, log, now);
    this.txs = new TxStatus(rpc, now);
  }

  /** Load the list files (usage error when one is missing or malformed) and start polling them. */
  start(): Promise<void> {
    return this.lists.start(this.s.listReloadMs);
  }

  stop(): void {
    this.lists.stop();
  }

  /** Lists, then the proof of work. Returns the refusal, or `{ allowed }` (on the allow list) to go on. */
  admit(address: string, ip: string, pow: PowSolution): GuardAnswer | { allowed: boolean } {
    const v = this.lists.check(address, ip);
    if (!v.ok) {
      const error = v.reason === 'address' ? 'this address is not allowed to use the faucet' : 'requests from your network are not allowed by this faucet';
      return { status: 403, body: { error, reason: 'denied' } };
    }
    if (this.pow) {
      const r = this.pow.verify(address, pow.challenge, pow.nonce);
      if (!r.ok) return { status: r.reason === 'busy' ? 503 : 403, body: { error: r.error, reason: 'pow', pow: r.reason } };
    }
    return { allowed: v.allowed };
  }

  /** Hold the budget for one drip (a no-op hold without --daily-budget). */
  holdBudget(amountWei: bigint): Held | GuardAnswer {
    if (!this.budget) return { commit: () => {}, release: () => {} };
    const r = this.budget.reserve(amountWei);
    return r.ok ? r : overBudget(r);
  }

  /** --refuse-contracts: refuse a recipient with contract code unless it is on the allow list. */
  async checkRecipient(address: string, allowed: boolean): Promise<GuardAnswer | undefined> {
    if (!this.s.refuseContracts || allowed) return undefined;
    this.contracts.checked++;
    let code: string;
    try {
      code = await this.getCode(address);
    } catch (e) {
      this.contracts.errors++;
      this.log.warn({ code: 'E_GETCODE' }, `eth_getCode for the recipient failed: ${errorMessage(e)}`);
      return { status: 503, body: { error: 'faucet temporarily unavailable' } };
    }
    if (typeof code === 'string' && classifyCode(code) === 'eoa') return undefined;
    this.contracts.refused++;
    return { status: 403, body: { error: 'contract addresses are not accepted by this faucet', reason: 'contract' } };
  }

  /**
   * eth_getCode, coalesced: one round of batched requests at a time; checks that arrive while a round
   * is out wait for the next one (under load many drips share a request: less work for both sides; idle,
   * a check goes out on the next tick).
   */
  private getCode(address: string): Promise<string> {
    if (!this.rpc.batch) return this.rpc.call<string>('eth_getCode', [address, 'latest']);
    return new Promise((resolve, reject) => {
      this.codeQueue.push({ address, resolve, reject });
      this.codeRound ??= new Promise<void>((r) => setImmediate(r)).then(() => this.codeRounds()).finally(() => (this.codeRound = undefined));
    });
  }

  private async codeRounds(): Promise<void> {
    while (this.codeQueue.length > 0) {
      const queued = this.codeQueue;
      this.codeQueue = [];
      const parts: Array<typeof queued> = [];
      for (let i = 0; i < queued.length; i += CODE_BATCH) parts.push(queued.slice(i, i + CODE_BATCH));
      await Promise.all(
        parts.map((part) =>
          this.rpc.batch!<string>('eth_getCode', part.map((q) => [q.address, 'latest'])).then(
            (items) => items.forEach((it, k) => (it.ok ? part[k]!.resolve(it.result) : part[k]!.reject(it.error))),
            (e: unknown) => part.forEach((q) => q.reject(e)),
          ),
        ),
      );
    }
  }

  /** A drip went out (or may have): remember its transactions for /tx and count it for auto difficulty. */
  sent(hashes: readonly string[]): void {
    for (const h of hashes) this.txs.add(h);
    this.pow?.recordDrip();
  }

  /** GET /challenge?address=...: a challenge, or the refusal the drip would get anyway. */
  challenge(rawAddress: string | null, ip: string, peek: (address: string) => LimitPeek): GuardAnswer {
    if (!this.pow) return { status: 404, body: { error: 'this faucet does not ask for a proof of work' } };
    const a = checkAddress(rawAddress ?? undefined);
    if (!a.ok) return { status: 400, body: { error: a.error } };
    const v = this.lists.check(a.address, ip);
    if (!v.ok) return { status: 403, body: { error: v.reason === 'address' ? 'this address is not allowed to use the faucet' : 'requests from your network are not allowed by this faucet', reason: 'denied' } };
    const budget = this.budget?.peek(this.budgetAmount);
    if (budget && !budget.ok) return overBudget(budget);
    const blocked = peek(a.address);
    if (blocked) {
      const who = blocked.limit === 'ip' ? 'this IP' : 'this address';
      return {
        status: 429,
        body: { error: `rate limited: ${who} reached its limit; retry in ${blocked.retryAfterS}s`, limit: blocked.limit, retryAfterS: blocked.retryAfterS, retryAt: this.now() + blocked.retryAfterS * 1000 },
        headers: { 'retry-after': String(blocked.retryAfterS) },
      };
    }
    return { status: 200, body: { ...this.pow.issue(a.address), algorithm: 'sha256(seed || uint64be(nonce)) with `difficulty` leading zero bits' } };
  }
}
