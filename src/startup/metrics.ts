// The supervisor's /metrics: its state as luxops_startup_* families, plus the shared
// luxops_build_info and process_* families (src/core/process-metrics.ts). The alerts in
// deploy/components/monitoring/prometheusrule.yaml use these names; a test keeps the two in step.
import { MetricsText } from '../core/metrics-text.js';
import { writeBuildInfo, writeProcessMetrics } from '../core/process-metrics.js';
import type { ProcessSource } from '../core/process-metrics.js';
import { PHASES } from './state.js';
import type { SupervisorState } from './state.js';

/** Render `/metrics`; `proc` is injected by tests. */
export function renderMetrics(state: SupervisorState, proc?: ProcessSource): string {
  const out = new MetricsText();
  writeBuildInfo(out, 'startup');
  writeProcessMetrics(out, proc);
  out.gauge('luxops_startup_phase', 'Supervisor phase (1 for the current one).', PHASES.map((p) => ({ labels: { phase: p }, value: state.phase === p ? 1 : 0 })));
  out.gauge('luxops_startup_ready', '1 when /readyz answers 200.', state.readiness().ready ? 1 : 0);
  out.gauge('luxops_startup_luxd_healthy', 'Result of the last luxd health poll (1 healthy).', state.health.healthy ? 1 : 0);
  out.gauge('luxops_startup_luxd_check_failing', 'luxd health checks seen failing since start: 1 while failing at the last poll, 0 once passing again (check "C" is the C-chain).',
    [...state.checksSeenFailing].map(([check, failing]) => ({ labels: { check }, value: failing ? 1 : 0 })));
  out.counter('luxops_startup_health_polls_total', 'luxd health polls.', state.counters.healthPolls);
  out.counter('luxops_startup_health_poll_failures_total', 'luxd health polls that were not healthy.', state.counters.healthFailures);
  out.counter('luxops_startup_alias_failures_total', 'admin.aliasChain calls that failed permanently or ran out of retries.', state.counters.aliasFailures);
  const c = state.cchain;
  out.gauge('luxops_startup_cchain_corrupt', '1 while the C-chain state probe finds the state unreadable (luxd answers "missing trie node" and the like).', c.state === 'corrupt' ? 1 : 0);
  out.counter('luxops_startup_cchain_corruptions_total', 'Confirmed detections of an unreadable C-chain state.', state.counters.cchainCorruptions);
  out.gauge('luxops_startup_cchain_recovering', '1 while an automatic C-chain recovery runs.', c.recovery ? 1 : 0);
  out.counter('luxops_startup_cchain_recoveries_total', 'Automatic C-chain recoveries by outcome (refused = over the bound or not allowed).', [
    { labels: { outcome: 'started' }, value: state.counters.recoveriesStarted },
    { labels: { outcome: 'recovered' }, value: state.counters.recoveriesRecovered },
    { labels: { outcome: 'failed' }, value: state.counters.recoveriesFailed },
    { labels: { outcome: 'refused' }, value: state.counters.recoveriesRefused },
  ]);
  if (c.height !== undefined) out.gauge('luxops_startup_cchain_height', 'C-chain height at the last state probe.', c.height);
  const imp = state.import;
  if (imp) {
    out.counter('luxops_startup_import_failures_total', 'In-process RLP imports that failed (download, checksum, validation, import, timeout).', state.counters.importFailures);
    out.gauge('luxops_startup_import_bytes', 'Bytes of the RLP export downloaded so far.', imp.bytes ?? 0);
    if (imp.totalBytes !== undefined) out.gauge('luxops_startup_import_total_bytes', 'Size of the RLP export in bytes.', imp.totalBytes);
    out.gauge('luxops_startup_import_height', 'C-chain height seen during the import.', imp.height ?? 0);
    if (imp.lastBlock !== undefined) out.gauge('luxops_startup_import_last_block', 'Last block number in the RLP export.', imp.lastBlock);
    out.gauge('luxops_startup_import_done', '1 when the import finished (imported or skipped).', imp.state === 'imported' || imp.state === 'skipped' ? 1 : 0);
  }
  return out.text();
}
