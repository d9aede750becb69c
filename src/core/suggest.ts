// "Did you mean": the closest known name to a mistyped command, flag or environment variable.

/** Edit distance with adjacent transpositions counted as one edit (`fuacet` -> `faucet` is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate a user most likely meant by `input`: the nearest one within about a third of the
 * input's length in edits (case-insensitive), or the only candidate it is a prefix of (3+ chars).
 * Undefined when nothing is that close: a wrong suggestion is worse than none.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const x = input.toLowerCase();
  const list = [...new Set(candidates)];
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of list) {
    const dist = editDistance(x, c.toLowerCase());
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  if (best !== undefined && bestD > 0 && bestD <= Math.max(1, Math.floor(x.length / 3))) return best;
  const prefixed = x.length >= 3 ? list.filter((c) => c.toLowerCase().startsWith(x)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** ` (did you mean X?)` or nothing. */
export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
}
