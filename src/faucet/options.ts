// faucet's option table: the single source of flags, LUXOPS_* env twins, --help and --check.
import type { OptionDef, ConfigOf } from '../core/options.js';
import { extraFaucetOptions } from './options-extra.js';

export const DEFAULT_RPC_URL = 'http://127.0.0.1:9630/ext/bc/C/rpc';
export const DEFAULT_LISTEN = '0.0.0.0:8080';
export const DEV_LISTEN = '127.0.0.1:8080';

/** Flags of `luxops faucet`. Keys never come from a flag value: only from files or LUXOPS_FAUCET_KEY. */
export const faucetOptions = [
  // no table defaults for these two: --dev needs to know whether they were given
  { name: 'listen', type: 'hostport', help: `address the HTTP server binds (default ${DEFAULT_LISTEN}; --dev: ${DEV_LISTEN})` },
  { name: 'admin-listen', type: 'hostport', help: 'address of the admin server: /metrics, detailed /health, /livez, /readyz (default: off; keep it off the public network)' },
  { name: 'rpc-url', type: 'list', metavar: 'URL', help: `EVM JSON-RPC endpoint; repeat for fallbacks, tried in order (default ${DEFAULT_RPC_URL}; --dev: a local anvil); user:pass@ is sent as Basic auth` },
  { name: 'chain-id', type: 'int', min: 1, help: 'expected chain id; an RPC answering another eth_chainId is not used' },
  { name: 'key-file', type: 'string', metavar: 'PATH', help: 'file holding one hex secp256k1 private key (0x optional)' },
  { name: 'keys-file', type: 'string', metavar: 'PATH', help: 'YAML list `- key: <hex>` (avalanche-ops format); keys are used round-robin' },
  { name: 'faucet-key', type: 'string', secret: true, metavar: 'HEX', env: 'LUXOPS_FAUCET_KEY', help: 'private key from the environment only (a flag value would show in ps); use LUXOPS_FAUCET_KEY' },
  { name: 'amount', type: 'string', default: '1', metavar: 'TOKENS', help: 'tokens per drip (18 decimals, e.g. 0.5)' },
  { name: 'ip-limit', type: 'string', default: '1/24h', metavar: 'N/DURATION|off', help: 'drips per client IP per window (IPv6 counted per /64)' },
  { name: 'address-limit', type: 'string', default: '1/24h', metavar: 'N/DURATION|off', help: 'drips per recipient address per window' },
  { name: 'limit-max-entries', type: 'int', default: '100000', min: 1, max: 10_000_000, help: 'cap on tracked IPs + addresses; the least recently charged are evicted first' },
  { name: 'trust-proxy', type: 'int', default: '0', min: 0, max: 16, help: 'number of proxy hops whose X-Forwarded-For entries are trusted (rightmost first)' },
  { name: 'min-balance', type: 'string', default: '0', metavar: 'TOKENS', help: 'below this balance (+ amount + fee) /drip answers 503' },
  { name: 'wait', type: 'enum', choices: ['accepted', 'receipt'], default: 'accepted', help: 'answer /drip once the node accepted the transaction, or once it is mined' },
  { name: 'receipt-timeout', type: 'duration', default: '60s', min: 1000, help: 'how long --wait receipt waits for the transaction to be mined' },
  { name: 'state-file', type: 'string', metavar: 'PATH', help: 'journal of rate-limit charges, synced to disk before each transfer; survives restarts and crashes' },
  { name: 'refresh-interval', type: 'duration', default: '2s', min: 0, max: 3_600_000, help: 'how long balance, fees and RPC health are cached (0 = ask the node every time)' },
  { name: 'request-timeout', type: 'duration', default: '30s', min: 500, max: 600_000, help: 'a request (headers + body + answer) must complete within this' },
  { name: 'rpc-timeout', type: 'duration', default: '10s', min: 100, max: 600_000, help: 'timeout of one JSON-RPC call (a send that times out is answered 202 pending, never sent twice)' },
  { name: 'rpc-max-response', type: 'size', default: '1MiB', min: 4096, max: 1024 * 1024 * 1024, help: 'largest JSON-RPC answer accepted; a larger one counts as a failed endpoint' },
  { name: 'dev', type: 'bool', help: 'start a local anvil (chain 96369, funded dev key) when no --rpc-url is given; listen on 127.0.0.1:8080' },
  { name: 'anvil-bin', type: 'string', metavar: 'PATH', help: '--dev: anvil executable (default: found under node_modules/@foundry-rs)' },
  ...extraFaucetOptions,
] as const satisfies readonly OptionDef[];

export type FaucetConfig = ConfigOf<typeof faucetOptions>;
