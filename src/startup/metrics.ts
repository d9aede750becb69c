// Prometheus text exposition (format 0.0.4) of the supervisor state, written by hand: a handful
// of gauges and counters do not justify a metrics library in every validator pod.
import { PHASES } from './state.js';
import type { SupervisorState } from './state.js';

function family(out: string[], name: string, type: 'gauge' | 'counter', help: string, samples: Array<[labels: string, value: number]>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) out.push(`${name}${labels} ${Number.isFinite(value) ? value : 0}`);
}

/** Render `/metrics`. */
export function renderMetrics(state: SupervisorState): string {
  const out: string[] = [];
  family(out, 'luxops_startup_phase', 'gauge', 'Supervisor phase (1 for the current one).', PHASES.map((p) => [`{phase="${p}"}`, state.phase === p ? 1 : 0]));
  family(out, 'luxops_startup_ready', 'gauge', '1 when /readyz answers 200.', [['', state.readiness().ready ? 1 : 0]]);
  family(out, 'luxops_startup_luxd_healthy', 'gauge', 'Result of the last luxd health poll.', [['', state.health.healthy ? 1 : 0]]);
  family(out, 'luxops_startup_uptime_seconds', 'gauge', 'Seconds since the supervisor started.', [['', state.uptimeS()]]);
  family(out, 'luxops_startup_health_polls_total', 'counter', 'luxd health polls.', [['', state.counters.healthPolls]]);
  family(out, 'luxops_startup_health_poll_failures_total', 'counter', 'luxd health polls that were not healthy.', [['', state.counters.healthFailures]]);
  family(out, 'luxops_startup_alias_failures_total', 'counter', 'admin.aliasChain calls that failed permanently or ran out of retries.', [['', state.counters.aliasFailures]]);
  const c = state.cchain;
  family(out, 'luxops_startup_cchain_corrupt', 'gauge', '1 while the C-chain state probe finds the state unreadable (luxd answers "missing trie node" and the like).', [['', c.state === 'corrupt' ? 1 : 0]]);
  family(out, 'luxops_startup_cchain_corruptions_total', 'counter', 'Confirmed detections of an unreadable C-chain state.', [['', state.counters.cchainCorruptions]]);
  family(out, 'luxops_startup_cchain_recovering', 'gauge', '1 while an automatic C-chain recovery runs.', [['', c.recovery ? 1 : 0]]);
  family(out, 'luxops_startup_cchain_recoveries_total', 'counter', 'Automatic C-chain recoveries by outcome (refused = over the bound or not allowed).', [
    ['{outcome="started"}', state.counters.recoveriesStarted],
    ['{outcome="recovered"}', state.counters.recoveriesRecovered],
    ['{outcome="failed"}', state.counters.recoveriesFailed],
    ['{outcome="refused"}', state.counters.recoveriesRefused],
  ]);
  if (c.height !== undefined) family(out, 'luxops_startup_cchain_height', 'gauge', 'C-chain height at the last state probe.', [['', c.height]]);
  const imp = state.import;
  if (imp) {
    family(out, 'luxops_startup_import_bytes', 'gauge', 'Bytes of the RLP export downloaded so far.', [['', imp.bytes ?? 0]]);
    if (imp.totalBytes !== undefined) family(out, 'luxops_startup_import_total_bytes', 'gauge', 'Size of the RLP export.', [['', imp.totalBytes]]);
    family(out, 'luxops_startup_import_height', 'gauge', 'C-chain height seen during the import.', [['', imp.height ?? 0]]);
    if (imp.lastBlock !== undefined) family(out, 'luxops_startup_import_last_block', 'gauge', 'Last block number in the RLP export.', [['', imp.lastBlock]]);
    family(out, 'luxops_startup_import_done', 'gauge', '1 when the import finished (imported or skipped).', [['', imp.state === 'imported' || imp.state === 'skipped' ? 1 : 0]]);
  }
  return out.join('\n') + '\n';
}
