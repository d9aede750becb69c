// Expected sha256 digests from --sha256 and/or a sha256sum-format --checksums-url, matched to the
// parts and the whole file by object name, and compared after the download.
import { LuxopsError } from '../core/errors.js';
import type { ObjectSource } from './object-source.js';
import type { PartPlan } from './plan-parts.js';

/** `hex  name` / `hex *name` lines -> name (basename) -> lower-case hex. */
export function parseSha256Sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/.exec(line);
    if (!m) continue;
    const name = m[2]!.replace(/^\.\//, '');
    out.set(name.slice(name.lastIndexOf('/') + 1), m[1]!.toLowerCase());
  }
  return out;
}

export interface Expected {
  /** whole file */
  readonly whole: string | undefined;
  /** part index -> hex */
  readonly parts: ReadonlyMap<number, string>;
}

/** Read the whole checksums object (small) through the same source as the parts. */
export async function fetchChecksums(source: ObjectSource, name: string, signal: AbortSignal): Promise<string> {
  const res = await source.get(name, 0, signal);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += c.length;
    if (n > 4 << 20) {
      res.body.destroy?.();
      throw new LuxopsError('E_CHECKSUMS_TOO_LARGE', `${source.describe(name)} is larger than 4 MiB; is --checksums-url a sha256sum file?`);
    }
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks).toString('utf8');
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
