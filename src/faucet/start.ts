// Assemble and start a faucet from resolved settings: RPC pool, chain cache, one sender per key,
// limits (restored from the --state-file journal), the public HTTP server and the optional admin
// one. Returns a handle whose close() stops taking requests (readiness goes 503 first), lets
// in-flight ones finish (bounded), and closes the journal.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrivateKeyAccount } from 'viem/accounts';
import type { Logger } from '../core/log.js';
import { LuxopsError, errorMessage } from '../core/errors.js';
import type { HostPort } from '../core/options.js';
import { RpcPool } from './rpc-pool.js';
import { ChainState } from './chain-state.js';
import { KeySender } from './key-sender.js';
import { DripLimits, LimitTable } from './rate-limiter.js';
import type { LimitSpec } from './values.js';
import { formatTokens } from './values.js';
import { StateJournal } from './state-journal.js';
import { Metrics } from './metrics.js';
import { Faucet } from './faucet.js';
import { createAdminServer, createFaucetServer } from './server.js';
import type { ServerOptions } from './server.js';
import { DripGuards } from './guards.js';
import type { GuardSettings } from './guards.js';
import { TokenState } from './token-state.js';
import { formatUnits, readTokenInfo } from './erc20.js';
import type { TokenSpec } from './erc20.js';
import type { PageConfig } from './page.js';
import { offerText } from './page.js';
import { policyLines } from './page-policy.js';
import { renderGuardMetrics } from './guard-metrics.js';
import { DEFAULT_NETWORK_NAME } from './options-extra.js';

/** The page's identity (--title, --network-name, --token-symbol, --explorer-url, --rpc-public-url). */
export interface PageIdentity {
  title?: string | undefined;
  networkName?: string | undefined;
  symbol?: string | undefined;
  explorerUrl?: string | undefined;
  rpcPublicUrl?: string | undefined;
}

export interface FaucetSettings {
  listen: HostPort;
  /** admin listener (/metrics, detailed /health); off when undefined */
  adminListen?: HostPort | undefined;
  rpcUrls: readonly string[];
  chainId?: number | undefined;
  accounts: readonly PrivateKeyAccount[];
  amountWei: bigint;
  minBalanceWei: bigint;
  ipLimit: LimitSpec;
  addressLimit: LimitSpec;
  limitMaxEntries: number;
  trustProxy: number;
  wait: 'accepted' | 'receipt';
  receiptTimeoutMs: number;
  stateFile?: string | undefined;
  refreshIntervalMs: number;
  requestTimeoutMs: number;
  rpcTimeoutMs: number;
  /** cap on one JSON-RPC answer (default 1 MiB) */
  rpcMaxResponseBytes?: number | undefined;
  /** a key reads its nonce again before sending after this long idle (default 10 s; tests shorten it) */
  idleResyncMs?: number | undefined;
  /** journal compaction threshold (tests) */
  journalCompactAfterBytes?: number | undefined;
  log: Logger;
  now: () => number;
  signal: AbortSignal;
  /** issue #17: page identity, protections (all off when absent), ERC-20 */
  page?: PageIdentity | undefined;
  guards?: GuardSettings | undefined;
  token?: (TokenSpec & { defaultAmount: string }) | undefined;
}

export interface RunningFaucet {
  readonly url: string;
  readonly port: number;
  /** the admin listener's base URL, when --admin-listen is set */
  readonly adminUrl: string | undefined;
  readonly faucet: Faucet;
  readonly metrics: Metrics;
  readonly senders: readonly KeySender[];
  close(): Promise<void>;
}

function listen(server: Server, at: HostPort, flag: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new LuxopsError('E_LISTEN', `--${flag} ${at.host}:${at.port}: cannot listen (${e.code ?? e.message})`, { cause: e })));
    server.listen(at.port, at.host, () => {
      const port = (server.address() as AddressInfo).port;
      const host = at.host.includes(':') ? `[${at.host}]` : at.host;
      resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    const force = setTimeout(() => server.closeAllConnections(), 5000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Start serving; throws LuxopsError on a chain id mismatch, unreadable state file or busy port. */
export async function startFaucet(s: FaucetSettings): Promise<RunningFaucet> {
  const metrics = new Metrics();
  const pool = new RpcPool(s.rpcUrls, s.chainId, { timeoutMs: s.rpcTimeoutMs, maxResponseBytes: s.rpcMaxResponseBytes, observe: (m, sec, err) => metrics.rpc(m, sec, err) });
  const accounts = s.accounts.map((a) => ({ address: a.address, balance: undefined as bigint | undefined }));
  const chain = new ChainState(pool, accounts, s.refreshIntervalMs, s.now);
  const limits = new DripLimits(new LimitTable(s.ipLimit, s.limitMaxEntries), new LimitTable(s.addressLimit, s.limitMaxEntries));
  // list files first: a missing or malformed one is a usage error before anything touches the network
  // (the poll timer is unref'd: a start that fails later leaves nothing holding the process)
  const guardSettings = s.guards ?? { listReloadMs: 0, refuseContracts: false };
  const guards = new DripGuards(guardSettings, pool, s.log, s.now, s.amountWei);
  await guards.start();
  let journal: StateJournal | undefined;
  if (s.stateFile) {
    // the journal also carries each drip's share of --daily-budget, so a restart keeps the budget used
    const opened = await StateJournal.open(s.stateFile, limits, s.now, s.log, { compactAfterBytes: s.journalCompactAfterBytes, budget: guards.budget });
    journal = opened.journal;
    s.log.info({ path: s.stateFile, entries: opened.restored }, 'rate-limit state loaded');
  }

  await chain.refresh();
  const mismatch = pool.chainMismatch();
  if (mismatch && chain.chainId === undefined) {
    await journal?.close();
    throw new LuxopsError('E_CHAIN_ID_MISMATCH', `--chain-id ${s.chainId}: ${mismatch.url} is on ${mismatch.error}`);
  }
  if (chain.error !== undefined) s.log.warn({ code: 'E_NO_RPC', rpc: pool.status() }, `no RPC answered yet; drips answer 503 until one does: ${chain.error}`);

  const senders = s.accounts.map((a) => new KeySender(a, pool, s.log, { idleResyncMs: s.idleResyncMs, now: s.now }));
  let token: TokenState | undefined;
  if (s.token) {
    let info;
    try {
      info = await readTokenInfo(pool, s.token, s.token.defaultAmount);
    } catch (e) {
      await journal?.close();
      if (e instanceof LuxopsError) throw e;
      throw new LuxopsError('E_TOKEN', `--token ${s.token.address}: cannot read the token's decimals and symbol from the node (${errorMessage(e)})`, { cause: e });
    }
    token = new TokenState(info, pool, senders.map((x) => x.address), s.refreshIntervalMs, s.now);
    await token.refresh();
    s.log.info({ token: info.address, symbol: info.symbol, decimals: info.decimals, amount: formatUnits(info.amount, info.decimals), gas: token.gas?.toString() }, 'ERC-20 drip enabled');
  }
  metrics.extra.push(() => renderGuardMetrics(guards, token, senders.map((x) => x.address)));
  const faucet = new Faucet({
    chain, pool, senders, limits, journal, metrics, log: s.log, now: s.now, amountWei: s.amountWei, minBalanceWei: s.minBalanceWei,
    wait: s.wait, receiptTimeoutMs: s.receiptTimeoutMs, signal: s.signal, guards, token,
  });
  const id = s.page ?? {};
  const networkName = id.networkName ?? DEFAULT_NETWORK_NAME;
  const symbol = id.symbol ?? 'LUX';
  const tokenShown = token ? { amount: formatUnits(token.info.amount, token.info.decimals), symbol: token.info.symbol, address: token.info.address } : undefined;
  const amountShown = s.amountWei > 0n ? formatTokens(s.amountWei) : undefined;
  const offer = offerText({ amount: amountShown, symbol, token: tokenShown });
  const policy = policyLines({
    offer, ipLimit: s.ipLimit, addressLimit: s.addressLimit, pow: guards.pow !== undefined, refuseContracts: guardSettings.refuseContracts,
    budget: guardSettings.dailyBudgetWei !== undefined ? `${formatTokens(guardSettings.dailyBudgetWei)} ${symbol}` : undefined,
  });
  const pageConfig = (): PageConfig => ({
    title: id.title ?? `${networkName} faucet`, networkName, symbol, chainId: chain.chainId ?? s.chainId, amount: amountShown, token: tokenShown,
    faucetAddress: senders[0]!.address, explorerUrl: id.explorerUrl, rpcPublicUrl: id.rpcPublicUrl, policy, pow: guards.pow !== undefined,
  });
  let ready = false;
  const opts: ServerOptions = {
    faucet, metrics, trustProxy: s.trustProxy, requestTimeoutMs: s.requestTimeoutMs, log: s.log, ready: () => ready,
    pages: { page: pageConfig, guards, limitPeek: (a, ip) => faucet.limitPeek(a, ip), trustProxy: s.trustProxy, now: s.now },
    gauges: () => ({
      accounts: senders.map((snd, i) => ({ address: snd.address, balanceWei: accounts[i]!.balance, inFlight: snd.inFlight, nextNonce: snd.nextNonce, unsettled: snd.unsettled.length, resyncs: snd.resyncs, reconciled: snd.reconciled })),
      rpc: pool.status(),
      limitEntries: { ip: limits.ip.size, address: limits.address.size },
      stateWriteErrors: journal?.writeErrors ?? 0,
      dripAmountWei: s.amountWei,
    }),
  };
  const server = createFaucetServer(opts);
  const admin = s.adminListen ? createAdminServer(opts) : undefined;
  let url: string;
  let adminUrl: string | undefined;
  try {
    url = await listen(server, s.listen, 'listen');
    if (admin && s.adminListen) adminUrl = await listen(admin, s.adminListen, 'admin-listen');
  } catch (e) {
    await closeServer(server);
    await journal?.close();
    throw e;
  }
  ready = true;
  const port = (server.address() as AddressInfo).port;
  s.log.info({ url, port, ...(adminUrl ? { admin: adminUrl } : {}), chain: chain.chainId ?? null, addresses: senders.map((x) => x.address), amount: formatTokens(s.amountWei), rpc: pool.status().map((r) => r.url) }, 'faucet listening');

  return {
    url, port, adminUrl, faucet, metrics, senders,
    async close() {
      ready = false;
      guards.stop();
      await Promise.all([closeServer(server), admin ? closeServer(admin) : undefined]);
      for (const snd of senders) snd.close();
      await journal?.close();
    },
  };
}
