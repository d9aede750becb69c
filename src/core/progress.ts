// Progress of long work (downloads, imports) as a human sees it: one live line on a terminal,
// `42.0% [#####.......] 412.3/981.0 MB  38.2 MB/s  ETA 15s`. Commands do not draw it: they keep
// logging their progress events as before, and the pretty log sink (src/core/pretty-log.ts) turns
// the events it recognises into this line. New code marks an event with progressFields(); the
// events rlp-import already logs (`bytes`/`totalBytes`/`rateBps`/`etaS`, and `height`/`lastBlock`/
// `blocksPerS`/`etaS` while importing) are recognised as they are.

export interface Progress {
  /** units done so far */
  done: number;
  /** units in all, when known */
  total?: number;
  unit: 'bytes' | 'blocks' | 'items';
  /** units per second */
  rate?: number;
  etaS?: number;
}

/** Fields to add to a log record so that the pretty sink shows it as the live line. */
export function progressFields(p: Progress): { progress: Progress } {
  return { progress: p };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The progress a log record carries, if any. */
export function progressOf(rec: Record<string, unknown>): Progress | undefined {
  const p = rec.progress;
  if (p && typeof p === 'object' && num((p as Progress).done) !== undefined) return p as Progress;
  const bytes = num(rec.bytes);
  if (bytes !== undefined && num(rec.totalBytes) !== undefined) return { done: bytes, total: num(rec.totalBytes), unit: 'bytes', rate: num(rec.rateBps), etaS: num(rec.etaS) };
  const height = num(rec.height);
  if (height !== undefined && num(rec.lastBlock) !== undefined) return { done: height, total: num(rec.lastBlock), unit: 'blocks', rate: num(rec.blocksPerS), etaS: num(rec.etaS) };
  return undefined;
}

/** 981.0 MB (decimal, as download tools show rates) */
export function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** 1h02m, 3m05s, 15s */
export function humanEta(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t >= 3600) return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
  if (t >= 60) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${t}s`;
}

/** The live line for `p`, fitted into `width` columns (the bar shrinks first, then the label goes). */
export function formatProgress(label: string, p: Progress, width: number): string {
  const amount = (n: number) => (p.unit === 'bytes' ? humanBytes(n) : `${Math.round(n)} ${p.unit}`);
  const parts: string[] = [];
  const pct = p.total !== undefined && p.total > 0 ? Math.min(1, p.done / p.total) : undefined;
  parts.push(p.total !== undefined ? `${amount(p.done)} / ${amount(p.total)}` : amount(p.done));
  if (p.rate !== undefined) parts.push(p.unit === 'bytes' ? `${humanBytes(p.rate)}/s` : `${p.rate.toFixed(p.rate < 10 ? 1 : 0)} ${p.unit}/s`);
  if (p.etaS !== undefined) parts.push(`ETA ${humanEta(p.etaS)}`);
  const stats = parts.join('  ');
  const head = pct === undefined ? '' : `${(pct * 100).toFixed(1).padStart(5)}% `;
  // the bar keeps one width while the numbers change: room is counted for the longest stats
  // ("999.9 MB / 999.9 MB  999.9 MB/s  ETA 59m59s"), not for this line's
  const room = width - 1 - head.length - Math.max(stats.length, 44) - label.length - 2;
  const barWidth = pct === undefined ? 0 : Math.min(30, room - 3);
  const bar = barWidth >= 5 ? `[${'#'.repeat(Math.round(pct! * barWidth)).padEnd(barWidth, '.')}] ` : '';
  const line = `${label}  ${head}${bar}${stats}`;
  return line.length <= width - 1 ? line : `${head}${bar}${stats}`.slice(0, Math.max(0, width - 1));
}
