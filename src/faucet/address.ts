// Recipient address validation: 0x + 40 hex; mixed case must be a valid EIP-55 checksum (a typo in
// a checksummed address would otherwise send tokens nowhere); the zero address is refused.
import { getAddress } from 'viem';

export type AddressCheck = { ok: true; address: `0x${string}` } | { ok: false; error: string };

/** Validate a user-supplied address; returns the checksummed form or a user-facing error. */
export function checkAddress(input: unknown): AddressCheck {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, error: 'missing "address"' };
  const s = input.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(s)) return { ok: false, error: 'invalid address: expected 0x followed by 40 hex digits' };
  const hex = s.slice(2);
  const checksummed = getAddress(s.toLowerCase() as `0x${string}`);
  const mixed = hex !== hex.toLowerCase() && hex !== hex.toUpperCase();
  if (mixed && checksummed !== s) return { ok: false, error: 'invalid address: mixed-case address fails the EIP-55 checksum' };
  if (/^0+$/.test(hex)) return { ok: false, error: 'invalid address: the zero address is refused' };
  return { ok: true, address: checksummed };
}
