// Expected sha256 digests from --sha256 and/or a sha256sum-format --checksums-url (parsed by
// src/objects/checksums.ts), matched to the parts and the whole file by object name, and compared
// after the download.
import { LuxopsError } from '../core/errors.js';
import type { PartPlan } from './plan-parts.js';

export interface Expected {
  /** whole file */
  readonly whole: string | undefined;
  /** part index -> hex */
  readonly parts: ReadonlyMap<number, string>;
}

/** Combine --sha256 and the checksums file into what the download must match. */
export function expectedDigests(file: string, plans: readonly PartPlan[], sha256Flag: string | undefined, sums: Map<string, string> | undefined, sumsUrl: string | undefined): Expected {
  const parts = new Map<number, string>();
  let whole = sha256Flag?.toLowerCase();
  if (sums) {
    const listed = sums.get(file);
    if (listed && whole && listed !== whole) {
      throw new LuxopsError('E_CHECKSUM_CONFLICT', `--sha256 ${whole} disagrees with ${sumsUrl} (${listed}) for ${file}`, { exitCode: 2 });
    }
    whole ??= listed;
    plans.forEach((p, i) => {
      const h = sums.get(p.name);
      // a single-object export's only part is the file itself: that is the whole-file digest
      if (h && !(plans.length === 1 && p.name === file)) parts.set(i, h);
    });
    if (!listed && parts.size === 0) {
      throw new LuxopsError('E_CHECKSUMS_NO_MATCH', `${sumsUrl} (--checksums-url) lists neither ${file} nor any of its parts`);
    }
  }
  return { whole, parts };
}

/** Compare digests; a mismatch names the part (or the file). Returns the indexes of bad parts. */
export function compareDigests(file: string, plans: readonly PartPlan[], expected: Expected, got: { sha256: string | undefined; partSha256: ReadonlyMap<number, string> }): void {
  for (const [i, want] of expected.parts) {
    const have = got.partSha256.get(i);
    if (have !== want) {
      const p = plans[i]!;
      throw new LuxopsError('E_CHECKSUM_MISMATCH', `sha256 mismatch for part ${p.part} (${p.url}): expected ${want}, got ${have}`, { details: { part: p.part, partIndex: i, url: p.url } });
    }
  }
  if (expected.whole && got.sha256 !== expected.whole) {
    throw new LuxopsError('E_CHECKSUM_MISMATCH', `sha256 mismatch for ${file}: expected ${expected.whole}, got ${got.sha256}`, { details: { file } });
  }
}
