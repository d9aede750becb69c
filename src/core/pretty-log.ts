// `--log-format pretty`: pino's JSON lines turned into lines for a person at a terminal, and
// progress events (src/core/progress.ts) into one live line that updates in place while the other
// lines scroll above it. `auto` (the default) picks this only when stderr is a terminal, so pods,
// pipes and log collectors keep getting JSON.
import { formatProgress, progressOf } from './progress.js';

/** Where log lines go (stderr, or a test's capture); defined here, not in log.ts, which imports this file. */
export interface LogSink {
  write(chunk: string): unknown;
}

/** Fields every line has; the rest are shown as key=value after the message. */
const BASE = new Set(['level', 'time', 'component', 'msg', 'pid', 'hostname']);
const CLEAR = '\r\x1b[2K';

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One pino record as text: `12:04:05 WARN  rlp-import: part download failed; retrying part=ab attempt=1`. */
export function formatRecord(rec: Record<string, unknown>): string {
  const time = typeof rec.time === 'string' ? rec.time.slice(11, 19) : '';
  const level = String(rec.level ?? 'info').toUpperCase().padEnd(5);
  const fields = Object.entries(rec)
    .filter(([k]) => !BASE.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  return [time, level, `${rec.component ?? 'luxops'}:`, String(rec.msg ?? ''), ...fields].filter(Boolean).join(' ');
}

export interface PrettyOptions {
  /** stderr is a terminal this many columns wide: progress updates one live line */
  columns?: number;
}

/** A LogSink that writes `target` human lines instead of JSON. */
export class PrettySink implements LogSink {
  private status: string | undefined;

  constructor(
    private readonly target: LogSink,
    private readonly opts: PrettyOptions = {},
  ) {}

  write(chunk: string): unknown {
    for (const line of chunk.split('\n')) if (line !== '') this.line(line);
    return true;
  }

  private line(json: string): void {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(json) as Record<string, unknown>;
    } catch {
      this.print(json);
      return;
    }
    const progress = this.opts.columns !== undefined ? progressOf(rec) : undefined;
    if (progress === undefined) {
      this.print(formatRecord(rec));
      return;
    }
    const text = formatProgress(String(rec.msg ?? ''), progress, this.opts.columns!);
    if (progress.total !== undefined && progress.done >= progress.total) {
      // finished: leave the last state as an ordinary line
      this.target.write(`${CLEAR}${text}\n`);
      this.status = undefined;
    } else {
      this.target.write(`${CLEAR}${text}`);
      this.status = text;
    }
  }

  /**
   * A scrolling line takes the live line's place; the next progress event draws it again below. (Not
   * redrawn at once: after a command's last line, a stale live line would be left under the prompt.)
   */
  private print(text: string): void {
    this.target.write(`${this.status === undefined ? '' : CLEAR}${text}\n`);
    this.status = undefined;
  }
}
