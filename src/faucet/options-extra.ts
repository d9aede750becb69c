// The faucet's page identity and opt-in anti-abuse flags (issue #17), appended to options.ts's
// table. Every protection is off unless its flag is given.
import type { OptionDef } from '../core/options.js';

export const DEFAULT_NETWORK_NAME = 'Lux devnet';

export const extraFaucetOptions = [
  // the page
  { name: 'title', type: 'string', metavar: 'TEXT', help: 'page title and heading (default "<network-name> faucet")' },
  { name: 'network-name', type: 'string', default: DEFAULT_NETWORK_NAME, metavar: 'TEXT', help: 'network name shown on the page and given to wallets by the "add network" button' },
  { name: 'token-symbol', type: 'string', default: 'LUX', metavar: 'SYMBOL', help: "symbol of the chain's native coin, as the page and wallets show it" },
  { name: 'explorer-url', type: 'url', metavar: 'URL', help: 'transaction link template with {hash}, e.g. https://explore.example/tx/{hash} (without {hash}: /tx/{hash} is appended)' },
  { name: 'rpc-public-url', type: 'url', metavar: 'URL', help: 'public RPC URL for the page\'s "add network" button (EIP-3085; shown only when the visitor has a wallet)' },
  // proof of work
  { name: 'pow-difficulty', type: 'int', default: '0', min: 0, max: 32, metavar: 'BITS', help: '/drip needs a solved proof of work with this many leading zero bits of SHA-256 (0 = off; 20 = ~1 s in a browser)' },
  { name: 'pow-key-file', type: 'string', metavar: 'PATH', help: 'HMAC key for PoW challenges (>= 16 bytes; share it between replicas); default: LUXOPS_FAUCET_POW_KEY, else a random key per process' },
  { name: 'pow-key', type: 'string', secret: true, metavar: 'KEY', env: 'LUXOPS_FAUCET_POW_KEY', help: 'PoW HMAC key from the environment only; use LUXOPS_FAUCET_POW_KEY' },
  { name: 'pow-ttl', type: 'duration', default: '5m', min: 10_000, max: 3_600_000, help: 'how long a PoW challenge can be solved and used' },
  { name: 'pow-max-difficulty', type: 'int', min: 1, max: 32, metavar: 'BITS', help: 'raise the difficulty automatically, one bit per doubling of the drip rate over --pow-target-rate, up to this' },
  { name: 'pow-target-rate', type: 'string', default: '60/1h', metavar: 'N/DURATION', help: 'drip rate above which --pow-max-difficulty starts raising the difficulty' },
  // budget, lists, contracts
  { name: 'daily-budget', type: 'string', metavar: 'TOKENS', help: 'cap on native tokens sent per rolling 24 h across all users; over it /drip answers 503 with when it frees' },
  { name: 'deny-list', type: 'string', metavar: 'PATH', help: 'file of addresses, IPs and CIDRs (one per line, # comments) refused with 403; re-read when it changes' },
  { name: 'allow-list', type: 'string', metavar: 'PATH', help: 'file of addresses, IPs and CIDRs exempt from --deny-list (and addresses from --refuse-contracts); re-read when it changes' },
  { name: 'list-reload-interval', type: 'duration', default: '5s', min: 0, max: 3_600_000, help: 'how often the list files are checked for changes (0 = never)' },
  { name: 'refuse-contracts', type: 'bool', help: 'refuse recipients that hold contract code (eth_getCode), unless on --allow-list' },
  // ERC-20
  { name: 'token', type: 'string', metavar: 'ADDRESS[:AMOUNT]', help: 'also send this ERC-20 (AMOUNT in token units, default --amount); with --amount 0 only the token is sent' },
] as const satisfies readonly OptionDef[];
