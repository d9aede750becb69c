// The shared exposition writer and the process_* / build-info families (src/core/metrics-text.ts,
// src/core/process-metrics.ts): format details Prometheus parses strictly, the naming rules every
// luxops utility follows, and process metrics read from /proc (fake and real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsText, Histogram, escapeLabelValue, formatValue } from '../../src/core/metrics-text.js';
import { writeProcessMetrics, writeBuildInfo, processSource } from '../../src/core/process-metrics.js';
import type { ProcessSource } from '../../src/core/process-metrics.js';

test('values: integers, floats, bigints exactly, NaN and infinities as the format spells them', () => {
  assert.equal(formatValue(3), '3');
  assert.equal(formatValue(0.25), '0.25');
  assert.equal(formatValue(123456789012345678901234567890n), '123456789012345678901234567890');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(-Infinity), '-Inf');
});

test('label values are escaped; HELP and TYPE once per family, in order', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const m = new MetricsText()
    .gauge('luxops_test_up', 'Up.\nSecond line', [{ labels: { url: 'http://x/"q"' }, value: 1 }, { labels: { url: 'y' }, value: 0 }])
    .counter('luxops_test_events_total', 'Events.', 7)
    .text();
  assert.equal(m, [
    '# HELP luxops_test_up Up.\\nSecond line',
    '# TYPE luxops_test_up gauge',
    'luxops_test_up{url="http://x/\\"q\\""} 1',
    'luxops_test_up{url="y"} 0',
    '# HELP luxops_test_events_total Events.',
    '# TYPE luxops_test_events_total counter',
    'luxops_test_events_total 7',
    '',
  ].join('\n'));
});

test('naming rules: luxops_<utility>_ or process_ prefix, counters end in _total, no family twice', () => {
  assert.throws(() => new MetricsText().gauge('faucet_balance_wei', 'x', 1), /naming/);
  assert.throws(() => new MetricsText().gauge('luxops_balance', 'x', 1), /naming/);
  assert.throws(() => new MetricsText().counter('luxops_test_events', 'x', 1), /must end in _total/);
  assert.throws(() => new MetricsText().gauge('luxops_test_events_total', 'x', 1), /must not end in _total/);
  assert.throws(() => new MetricsText().gauge('luxops_test_a', 'x', 1).gauge('luxops_test_a', 'x', 2), /written twice/);
  assert.throws(() => new MetricsText().gauge('luxops_test_a', 'x', [{ labels: { 'bad-name': 'v' }, value: 1 }]), /invalid label name/);
  assert.throws(() => new MetricsText().gauge('luxops_test_a', 'x', [{ labels: { __name__: 'v' }, value: 1 }]), /invalid label name/);
  // the standard names are allowed as they are
  new MetricsText().gauge('process_start_time_seconds', 'x', 1).gauge('luxops_build_info', 'x', 1);
});

test('histograms: cumulative buckets, +Inf equals the count, sum and count per series', () => {
  const h = new Histogram([0.1, 1]);
  for (const v of [0.05, 0.5, 0.5, 7]) h.observe(v);
  const m = new MetricsText().histogram('luxops_test_duration_seconds', 'Latency.', [{ labels: { route: '/drip' }, h }]).text();
  assert.deepEqual(m.trimEnd().split('\n').slice(2), [
    'luxops_test_duration_seconds_bucket{route="/drip",le="0.1"} 1',
    'luxops_test_duration_seconds_bucket{route="/drip",le="1"} 3',
    'luxops_test_duration_seconds_bucket{route="/drip",le="+Inf"} 4',
    'luxops_test_duration_seconds_sum{route="/drip"} 8.05',
    'luxops_test_duration_seconds_count{route="/drip"} 4',
  ]);
});

const FAKE_STATUS = 'Name:\tluxops\nVmSize:\t  800000 kB\nVmHWM:\t   60000 kB\nVmRSS:\t   50000 kB\nVmData:\t  120000 kB\n';
const FAKE_LIMITS = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1048576              1048576              files\n';

test('process_* families from /proc/self (fake): CPU seconds, start time, memory, fds', () => {
  const files: Record<string, string> = { '/proc/self/status': FAKE_STATUS, '/proc/self/limits': FAKE_LIMITS };
  const src: ProcessSource = { cpuUsage: () => ({ user: 1_500_000, system: 250_000 }), startMs: 1_700_000_000_123, readText: (p) => files[p], countDir: () => 12 };
  const m = new MetricsText();
  writeProcessMetrics(m, src);
  const text = m.text();
  for (const line of [
    '# TYPE process_cpu_user_seconds_total counter', 'process_cpu_user_seconds_total 1.5', 'process_cpu_system_seconds_total 0.25', 'process_cpu_seconds_total 1.75',
    '# TYPE process_start_time_seconds gauge', 'process_start_time_seconds 1700000000.123',
    'process_resident_memory_bytes 51200000', 'process_virtual_memory_bytes 819200000', 'process_heap_bytes 122880000',
    'process_open_fds 11', 'process_max_fds 1048576',
  ]) assert.ok(text.split('\n').includes(line), `${line}\n---\n${text}`);
});

test('without /proc the memory and fd families are left out, not reported as 0', () => {
  const m = new MetricsText();
  writeProcessMetrics(m, { cpuUsage: () => ({ user: 0, system: 0 }), startMs: 0, readText: () => undefined, countDir: () => undefined });
  assert.doesNotMatch(m.text(), /process_(resident|virtual|heap|open_fds|max_fds)/);
  assert.match(m.text(), /^process_start_time_seconds 0$/m);
});

test('this process: start time is fixed across scrapes and close to now - uptime; RSS is real', () => {
  const a = processSource();
  const b = processSource();
  assert.equal(a.startMs, b.startMs);
  assert.ok(Math.abs(a.startMs - (Date.now() - process.uptime() * 1000)) < 1000);
  const m = new MetricsText();
  writeProcessMetrics(m);
  const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(m.text())?.[1]);
  assert.ok(rss > process.memoryUsage().heapUsed / 2 && rss < 4e9, String(rss));
  assert.ok(Number(/^process_open_fds (\d+)$/m.exec(m.text())?.[1]) >= 3);
});

test('luxops_build_info carries version, command and Node version', () => {
  const m = new MetricsText();
  writeBuildInfo(m, 'faucet', '1.2.3');
  assert.match(m.text(), new RegExp(`^luxops_build_info\\{version="1\\.2\\.3",command="faucet",node="${process.version.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
});
