// Text layout for help output: word wrap and two-column rows at a terminal's width. No imports, so
// the multi-call entry (the top-level help) can use it without loading the option machinery.

/** Width used when stdout is not a terminal, and the narrowest we wrap to. */
export const DEFAULT_WIDTH = 80;
const MIN_WIDTH = 40;

/** Greedy word wrap; a word longer than the width gets a line of its own. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Two columns: `left` padded to a common width (at most `maxLeft`), `right` wrapped into the rest.
 * A left cell too long for its column puts its description on the next line.
 */
export function formatRows(rows: ReadonlyArray<readonly [string, string]>, width: number, maxLeft = 34): string[] {
  const w = Math.max(MIN_WIDTH, width);
  const leftWidth = Math.min(maxLeft, Math.max(0, ...rows.map(([l]) => l.length)) + 2);
  const rightWidth = Math.max(20, w - leftWidth);
  const out: string[] = [];
  for (const [left, right] of rows) {
    const wrapped = wrapText(right, rightWidth);
    if (left.length >= leftWidth) out.push(left, ...wrapped.map((l) => ' '.repeat(leftWidth) + l));
    else out.push(left.padEnd(leftWidth) + wrapped[0], ...wrapped.slice(1).map((l) => ' '.repeat(leftWidth) + l));
  }
  return out;
}

/** The terminal width help is wrapped to. */
export function helpWidth(columns: number | undefined): number {
  return columns !== undefined && columns > 0 ? Math.max(MIN_WIDTH, columns) : DEFAULT_WIDTH;
}
