// --token ADDRESS[:AMOUNT]: an ERC-20 sent with (or instead of) the native coin, through the same
// per-key nonce stream. The contract is asked once for decimals() and symbol(); balanceOf() of every
// faucet key is refreshed with the chain state and checked before a drip like the native balance;
// the transfer's gas limit comes from eth_estimateGas to a never-seen address (the dearest case: a
// new balance slot) with a margin, re-estimated on every refresh.
import { randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors.js';

export const TRANSFER_SELECTOR = '0xa9059cbb';
const BALANCE_OF = '0x70a08231';
const DECIMALS = '0x313ce567';
const SYMBOL = '0x95d89b41';

export interface TokenSpec {
  address: `0x${string}`;
  /** amount as typed, in token units (decimals applied once decimals() is known) */
  amount?: string | undefined;
}

export interface TokenInfo {
  address: `0x${string}`;
  decimals: number;
  symbol: string;
  /** base units per drip */
  amount: bigint;
}

export interface Caller {
  call<T>(method: string, params?: unknown): Promise<T>;
}

/** Parse `--token 0x...[:AMOUNT]`. */
export function parseTokenSpec(raw: string): TokenSpec {
  const m = /^(0x[0-9a-fA-F]{40})(?::(\d{1,30}(?:\.\d{1,36})?))?$/.exec(raw.trim());
  if (!m) throw new UsageError(`invalid value for --token: ${JSON.stringify(raw)}, expected ADDRESS or ADDRESS:AMOUNT (0x + 40 hex, amount in token units like 10 or 2.5)`, 'E_BAD_TOKEN');
  return { address: m[1]!.toLowerCase() as `0x${string}`, amount: m[2] };
}

/** `2.5` with `decimals` -> base units; throws naming --token when it has more decimals than the token. */
export function parseUnits(raw: string, decimals: number): bigint {
  const [whole, frac = ''] = raw.split('.');
  if (frac.length > decimals) throw new UsageError(`invalid value for --token: amount ${raw} has more than the token's ${decimals} decimals`, 'E_BAD_TOKEN');
  const units = BigInt(whole!) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
  if (units === 0n) throw new UsageError('invalid value for --token: the amount must be above 0', 'E_BAD_TOKEN');
  return units;
}

/** base units -> "2.5" */
export function formatUnits(units: bigint, decimals: number): string {
  if (decimals === 0) return units.toString();
  const base = 10n ** BigInt(decimals);
  const frac = (units % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return frac ? `${units / base}.${frac}` : `${units / base}`;
}

function word(hex: string): string {
  return hex.replace(/^0x/, '').padStart(64, '0');
}

/** Calldata of transfer(to, amount). */
export function transferData(to: string, amount: bigint): `0x${string}` {
  return `${TRANSFER_SELECTOR}${word(to.toLowerCase())}${word(amount.toString(16))}`;
}

/** Decode an ABI `string` return (or a bytes32 one, as some old tokens answer); printable ASCII, at most 16 chars. */
export function decodeSymbol(ret: string): string | undefined {
  const hex = ret.replace(/^0x/, '');
  let bytes: Buffer;
  if (hex.length === 64) bytes = Buffer.from(hex, 'hex');
  else if (hex.length >= 128) {
    const offset = Number(BigInt(`0x${hex.slice(0, 64)}`));
    const lenAt = offset * 2;
    if (!Number.isSafeInteger(offset) || lenAt + 64 > hex.length) return undefined;
    const len = Number(BigInt(`0x${hex.slice(lenAt, lenAt + 64)}`));
    if (len > 64 || lenAt + 64 + len * 2 > hex.length) return undefined;
    bytes = Buffer.from(hex.slice(lenAt + 64, lenAt + 64 + len * 2), 'hex');
  } else return undefined;
  const s = bytes.toString('latin1').replace(/\0+$/, '');
  return /^[\x21-\x7e]{1,16}$/.test(s) ? s : undefined;
}

/** Read decimals() and symbol(); a contract without decimals() is refused (not an ERC-20 we can dose). */
export async function readTokenInfo(rpc: Caller, spec: TokenSpec, defaultAmount: string): Promise<TokenInfo> {
  const call = (data: string) => rpc.call<string>('eth_call', [{ to: spec.address, data }, 'latest']);
  const code = await rpc.call<string>('eth_getCode', [spec.address, 'latest']);
  if (code.replace(/^0x/, '') === '') throw new UsageError(`--token ${spec.address}: no contract at this address on the node's chain`, 'E_BAD_TOKEN');
  let decimals: number;
  try {
    const d = BigInt(await call(DECIMALS));
    if (d > 36n) throw new Error('too many');
    decimals = Number(d);
  } catch {
    throw new UsageError(`--token ${spec.address}: the contract does not answer decimals() with a number up to 36 (not an ERC-20?)`, 'E_BAD_TOKEN');
  }
  const symbol = decodeSymbol(await call(SYMBOL).catch(() => '0x')) ?? 'tokens';
  return { address: spec.address, decimals, symbol, amount: parseUnits(spec.amount ?? defaultAmount, decimals) };
}

/** balanceOf(holder) in base units. */
export async function tokenBalance(rpc: Caller, token: string, holder: string): Promise<bigint> {
  return BigInt(await rpc.call<string>('eth_call', [{ to: token, data: `${BALANCE_OF}${word(holder.toLowerCase())}` }, 'latest']));
}

/** Gas for one transfer to a fresh address, with a 25% margin. */
export async function estimateTransferGas(rpc: Caller, token: TokenInfo, from: string): Promise<bigint> {
  const fresh = `0x${randomBytes(20).toString('hex')}`;
  const est = BigInt(await rpc.call<string>('eth_estimateGas', [{ from, to: token.address, data: transferData(fresh, token.amount) }]));
  return (est * 5n) / 4n + 5000n;
}
