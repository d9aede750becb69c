// Which objects make up the export and where each lands in the assembled file: names from
// --parts / --part-name-template (or `auto` probing), sizes from HEAD, offsets from the sizes.
import { LuxopsError } from '../core/errors.js';
import { withRetry } from '../core/retry.js';
import type { ObjectSource } from '../objects/types.js';

/** One object of the export and its place in the output. */
export interface PartPlan {
  /** the suffix (`aa`) or the file name for a single object */
  readonly part: string;
  /** object name under the base */
  readonly name: string;
  readonly url: string;
  readonly size: number | undefined;
  readonly acceptRanges: boolean;
  readonly etag: string | undefined;
}

/** `aa`, `ab`, ... `zz`, like split(1)'s default suffixes. */
export function splitSuffix(i: number): string {
  const a = 'a'.charCodeAt(0);
  return String.fromCharCode(a + Math.floor(i / 26), a + (i % 26));
}

/** The object name of `part` by the template (`{file}.{part}`). */
export function partName(template: string, file: string, part: string): string {
  return template.replaceAll('{file}', file).replaceAll('{part}', part);
}

const MAX_AUTO_PARTS = 26 * 26;
const AUTO_WINDOW = 4;

export interface PlanOptions {
  readonly file: string;
  readonly parts: readonly string[];
  readonly template: string;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly signal: AbortSignal;
}

/** HEAD every part (with retries); a listed part that is missing fails naming its URL. */
export async function planParts(source: ObjectSource, o: PlanOptions): Promise<PartPlan[]> {
  const head = (name: string) =>
    withRetry(() => source.head(name, o.signal), { retries: o.retries, minTimeoutMs: o.retryDelayMs, maxTimeoutMs: o.retryDelayMs * 16, signal: o.signal });
  const toPlan = (part: string, name: string, h: NonNullable<Awaited<ReturnType<ObjectSource['head']>>>): PartPlan => ({
    part, name, url: source.describe(name), size: h.size, acceptRanges: h.acceptRanges, etag: h.etag,
  });
  const missing = (name: string, flag: string) =>
    new LuxopsError('E_PART_NOT_FOUND', `${source.describe(name)} does not exist (404); check ${flag}`, { details: { url: source.describe(name) } });

  if (o.parts.length === 0) {
    const h = await head(o.file);
    if (!h) throw missing(o.file, '--base-url and --file');
    return [toPlan(o.file, o.file, h)];
  }
  if (o.parts.length === 1 && o.parts[0] === 'auto') {
    // probe AUTO_WINDOW names at a time (one round trip each window instead of one per part);
    // the parts are those before the first 404, whatever a probe past it found
    const out: PartPlan[] = [];
    for (let i = 0; i < MAX_AUTO_PARTS; i += AUTO_WINDOW) {
      const names = Array.from({ length: Math.min(AUTO_WINDOW, MAX_AUTO_PARTS - i) }, (_, k) => {
        const part = splitSuffix(i + k);
        return { part, name: partName(o.template, o.file, part) };
      });
      const heads = await Promise.allSettled(names.map(({ name }) => head(name)));
      let k = 0;
      for (; k < heads.length; k++) {
        const r = heads[k]!;
        // a failure counts only before the first 404 (the sequential probe would never have sent it)
        if (r.status === 'rejected') throw r.reason;
        if (!r.value) break;
        out.push(toPlan(names[k]!.part, names[k]!.name, r.value));
      }
      if (k < heads.length) break;
    }
    if (out.length === 0) throw missing(partName(o.template, o.file, 'aa'), '--parts auto (no part aa)');
    return out;
  }
  const plans = await mapLimit(o.parts, 8, async (part) => {
    const name = partName(o.template, o.file, part);
    const h = await head(name);
    if (!h) throw missing(name, '--parts');
    return toPlan(part, name, h);
  });
  return plans;
}

/** Map with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
