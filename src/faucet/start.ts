// Assemble and start a faucet from resolved settings: RPC pool, chain cache, one sender per key,
// limits (restored from the --state-file journal), the public HTTP server and the optional admin
// one. Returns a handle whose close() stops taking requests (readiness goes 503 first), lets
// in-flight ones finish (bounded), and closes the journal.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrivateKeyAccount } from 'viem/accounts';
import type { Logger } from '../core/log.js';
import { LuxopsError } from '../core/errors.js';
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
  let journal: StateJournal | undefined;
  if (s.stateFile) {
    const opened = await StateJournal.open(s.stateFile, limits, s.now, s.log, { compactAfterBytes: s.journalCompactAfterBytes });
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
  const faucet = new Faucet({
    chain, pool, senders, limits, journal, metrics, log: s.log, now: s.now, amountWei: s.amountWei, minBalanceWei: s.minBalanceWei,
    wait: s.wait, receiptTimeoutMs: s.receiptTimeoutMs, signal: s.signal,
  });
  let ready = false;
  const opts: ServerOptions = {
    faucet, metrics, trustProxy: s.trustProxy, requestTimeoutMs: s.requestTimeoutMs, log: s.log, ready: () => ready,
    page: { amount: formatTokens(s.amountWei), faucetAddress: senders[0]!.address, chainId: chain.chainId ?? s.chainId },
    gauges: () => ({
      accounts: senders.map((snd, i) => ({ address: snd.address, balanceWei: accounts[i]!.balance, inFlight: snd.inFlight, nextNonce: snd.nextNonce, unsettled: snd.unsettled.length, resyncs: snd.resyncs, reconciled: snd.reconciled })),
      rpc: pool.status(),
      limitEntries: { ip: limits.ip.size, address: limits.address.size },
      stateWriteErrors: journal?.writeErrors ?? 0,
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
      await Promise.all([closeServer(server), admin ? closeServer(admin) : undefined]);
      for (const snd of senders) snd.close();
      await journal?.close();
    },
  };
}
