// The standard `process_*` families every Prometheus client library exports (names, types and
// sources as in prom-client and the Go client's process collector), plus `luxops_build_info`. With
// `process_start_time_seconds` a dashboard computes uptime (`time() - process_start_time_seconds`)
// and sees restarts as a changed value, which a custom uptime gauge cannot give a PromQL query.
// Linux values come from /proc/self (read per scrape, a few small files); where a file is missing
// (not Linux) the family is left out rather than reported as 0.
import { readFileSync, readdirSync } from 'node:fs';
import type { MetricsText } from './metrics-text.js';
import { VERSION } from './version.js';

/** What the collector reads; tests inject fakes. */
export interface ProcessSource {
  /** process.cpuUsage(): microseconds */
  cpuUsage(): { user: number; system: number };
  /** wall-clock ms of the process start */
  startMs: number;
  /** file text, or undefined when it cannot be read */
  readText(path: string): string | undefined;
  /** number of entries of a directory, or undefined */
  countDir(path: string): number | undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function countDir(path: string): number | undefined {
  try {
    return readdirSync(path).length;
  } catch {
    return undefined;
  }
}

let ownSource: ProcessSource | undefined;

/** This process, read from /proc/self; the start time is fixed at the first call (scrapes agree). */
export function processSource(): ProcessSource {
  // Date.now() - uptime is taken once: computed per scrape it would wobble by a millisecond
  ownSource ??= { cpuUsage: () => process.cpuUsage(), startMs: Math.round(Date.now() - process.uptime() * 1000), readText, countDir };
  return ownSource;
}

/** `VmRSS:   1234 kB` -> bytes. */
function statusKb(status: string | undefined, key: string): number | undefined {
  const m = status === undefined ? null : new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** The soft `Max open files` limit from /proc/self/limits. */
function maxFds(limits: string | undefined): number | undefined {
  const m = limits === undefined ? null : /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  if (!m) return undefined;
  return m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/** Append the process_* families. */
export function writeProcessMetrics(out: MetricsText, src: ProcessSource = processSource()): void {
  const cpu = src.cpuUsage();
  out.counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', cpu.user / 1e6);
  out.counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', cpu.system / 1e6);
  out.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  out.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', src.startMs / 1000);
  const status = src.readText('/proc/self/status');
  const rss = statusKb(status, 'VmRSS');
  const vsize = statusKb(status, 'VmSize');
  const heap = statusKb(status, 'VmData');
  if (rss !== undefined) out.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', rss);
  if (vsize !== undefined) out.gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', vsize);
  if (heap !== undefined) out.gauge('process_heap_bytes', 'Process heap size in bytes.', heap);
  // the listing includes the fd readdir itself holds open while it reads
  const fds = src.countDir('/proc/self/fd');
  if (fds !== undefined) out.gauge('process_open_fds', 'Number of open file descriptors.', Math.max(0, fds - 1));
  const max = maxFds(src.readText('/proc/self/limits'));
  if (max !== undefined) out.gauge('process_max_fds', 'Maximum number of open file descriptors.', max);
}

/** `luxops_build_info{version,command,node} 1`: join on it to see which release each pod runs. */
export function writeBuildInfo(out: MetricsText, command: string, version: string = VERSION): void {
  out.gauge('luxops_build_info', 'luxops build: release version, the command serving these metrics and the embedded Node.js version.', [
    { labels: { version, command, node: process.version }, value: 1 },
  ]);
}
