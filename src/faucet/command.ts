// `luxops faucet`: a devnet token faucet. Parses the table, loads keys, optionally starts a local
// anvil (--dev), serves until SIGTERM/SIGINT, then drains requests, flushes state and stops anvil.
import { dirname } from 'node:path';
import { defineCommand } from '../core/command.js';
import type { RunContext } from '../core/command.js';
import { UsageError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import { parseValue } from '../core/options.js';
import type { HostPort } from '../core/options.js';
import { createJsonRpcClient } from '../core/http.js';
import { faucetOptions, DEFAULT_LISTEN, DEFAULT_RPC_URL, DEV_LISTEN } from './options.js';
import type { FaucetConfig } from './options.js';
import { parseLimit, parseTokens } from './values.js';
import { isKeyShaped, loadAccounts } from './keys.js';
import { redactUrl } from '../core/redact-url.js';
import { ANVIL_DEV_KEY, findAnvil, startDevNode } from './dev-node.js';
import type { DevNode } from './dev-node.js';
import { privateKeyToAccount } from 'viem/accounts';
import { startFaucet } from './start.js';
import { resolveExtra, validateExtra } from './extra-config.js';

const listenDef = faucetOptions.find((o) => o.name === 'listen')!;

function effectiveListen(c: FaucetConfig): HostPort {
  return c.listen ?? (parseValue(listenDef, c.dev ? DEV_LISTEN : DEFAULT_LISTEN, 'default') as HostPort);
}

/** Directories to search for node_modules/@foundry-rs: the working directory and the bundle's own. */
function anvilSearchStarts(ctx: RunContext<FaucetConfig>): string[] {
  const starts = [process.cwd()];
  // __filename exists in the CommonJS bundle (dist/luxops.cjs) and not under ESM/tsx
  if (typeof __filename === 'string') starts.push(dirname(__filename));
  if (ctx.deps.isSea) starts.push(dirname(ctx.deps.execPath));
  return starts;
}

/** An --rpc-url must be an absolute http(s) URL; the error shows it redacted (it may carry credentials). */
function checkRpcUrl(raw: string, where: string): void {
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new UsageError(`invalid value for ${where}: ${u ? redactUrl(raw) : '(not shown: not a URL)'}, expected an http:// or https:// URL`, 'E_BAD_OPTION');
  }
}

/** A key pasted where a path belongs must not be echoed by any error or by --check. */
function checkKeyPath(flag: string, value: string | undefined): void {
  if (value !== undefined && isKeyShaped(value)) {
    throw new UsageError(`--${flag} expects the path of a file holding the key, and the value given looks like key material (not shown); put the key in a file, or use LUXOPS_FAUCET_KEY`, 'E_KEY_ON_COMMAND_LINE');
  }
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((res) => signal.addEventListener('abort', () => res(), { once: true }));
}

async function run(ctx: RunContext<FaucetConfig>): Promise<number> {
  const { config: c, deps, log } = ctx;
  const amountWei = parseTokens('amount', c.amount, c.token !== undefined);
  const extra = await resolveExtra(c);
  const minBalanceWei = parseTokens('min-balance', c.minBalance, true);
  const startsAnvil = c.dev && c.rpcUrl.length === 0;
  const keysGiven = Boolean(c.keyFile || c.keysFile || c.faucetKey);
  const accounts = startsAnvil && !keysGiven ? [privateKeyToAccount(ANVIL_DEV_KEY)] : await loadAccounts({ keyFile: c.keyFile, keysFile: c.keysFile, envKey: c.faucetKey });
  let node: DevNode | undefined;
  try {
    if (startsAnvil) {
      const bin = findAnvil(c.anvilBin, anvilSearchStarts(ctx));
      node = await startDevNode(bin);
      log.info({ url: node.url, chain: 96369, bin }, 'dev: anvil started');
      if (keysGiven) {
        // the given keys are not anvil's dev accounts: fund them on the throwaway chain
        const rpc = createJsonRpcClient(node.url, { timeoutMs: 5000 });
        for (const a of accounts) await rpc.call('anvil_setBalance', [a.address, `0x${(10n ** 22n).toString(16)}`]);
      }
    }
    const running = await startFaucet({
      listen: effectiveListen(c),
      adminListen: c.adminListen,
      rpcMaxResponseBytes: c.rpcMaxResponse,
      rpcUrls: node ? [node.url] : c.rpcUrl.length > 0 ? c.rpcUrl : [DEFAULT_RPC_URL],
      chainId: c.chainId, accounts, amountWei, minBalanceWei,
      ipLimit: parseLimit('ip-limit', c.ipLimit),
      addressLimit: parseLimit('address-limit', c.addressLimit),
      limitMaxEntries: c.limitMaxEntries, trustProxy: c.trustProxy,
      wait: c.wait as 'accepted' | 'receipt', receiptTimeoutMs: c.receiptTimeout,
      stateFile: c.stateFile, refreshIntervalMs: c.refreshInterval, requestTimeoutMs: c.requestTimeout, rpcTimeoutMs: c.rpcTimeout,
      log, now: deps.now ?? Date.now, signal: deps.signal,
      ...extra,
    });
    if (c.dev) deps.stdout.write(`luxops faucet (dev): open ${running.url} and paste an address; faucet account ${running.senders[0]!.address}${node ? `, anvil at ${node.url} (chain 96369)` : ''}. Ctrl-C stops.\n`);
    await waitForAbort(deps.signal);
    log.info({}, 'shutting down');
    await running.close();
    return EXIT.OK;
  } finally {
    if (node) {
      await node.stop();
      log.info({}, 'dev: anvil stopped');
    }
  }
}

/** The faucet command (multi-call name `faucet`). */
export const faucetCommand = defineCommand({
  name: 'faucet',
  summary: 'Devnet token faucet: /drip, /health, a web page and /metrics, with per-IP and per-address limits',
  options: faucetOptions,
  helpExtra: [
    'Keys never go on the command line: --key-file, --keys-file or the LUXOPS_FAUCET_KEY environment variable.',
    'Examples:',
    '  luxops faucet --dev                                   # local anvil + faucet on http://127.0.0.1:8080',
    '  luxops faucet --rpc-url http://luxd:9630/ext/bc/C/rpc --chain-id 96369 --key-file /secrets/faucet.key',
    '  curl -s -XPOST localhost:8080/drip -H content-type:application/json -d \'{"address":"0x..."}\'',
    'Exit codes: 0 stopped by SIGTERM/SIGINT, 1 runtime failure (port busy, chain id mismatch, state file), 2 usage (bad flag, missing or malformed key).',
  ].join('\n'),
  validate(args) {
    if (args.sources.faucetKey === 'flag') throw new UsageError('the faucet key must not be given on the command line: use LUXOPS_FAUCET_KEY, --key-file or --keys-file', 'E_KEY_ON_COMMAND_LINE');
    const c = args.config;
    parseTokens('min-balance', c.minBalance, true);
    validateExtra(c, args.sources.powKey === 'flag');
    parseLimit('ip-limit', c.ipLimit);
    parseLimit('address-limit', c.addressLimit);
    if (!c.dev && c.anvilBin) throw new UsageError('--anvil-bin only applies with --dev', 'E_USAGE');
    for (const u of c.rpcUrl) checkRpcUrl(u, args.sources.rpcUrl === 'env' ? 'LUXOPS_RPC_URL' : '--rpc-url');
    checkKeyPath('key-file', c.keyFile);
    checkKeyPath('keys-file', c.keysFile);
  },
  describe(args) {
    const c = args.config;
    const l = effectiveListen(c);
    return { effective: { listen: `${l.host}:${l.port}`, adminListen: c.adminListen ? `${c.adminListen.host}:${c.adminListen.port}` : 'off', rpcUrl: c.dev && c.rpcUrl.length === 0 ? ['(local anvil, --dev)'] : c.rpcUrl.length > 0 ? c.rpcUrl.map(redactUrl) : [DEFAULT_RPC_URL] } };
  },
  run,
});
