// startup --bootstrap-nodes / --bootstrap-nodes-file: luxd gets --bootstrap-ips/--bootstrap-ids of
// every table entry but its own (the chart's per-ordinal table), read from the fake luxd's record.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSupervisor, readRecord, waitFor, logsMatching } from './helpers.js';
import { startupCommand } from '../../src/startup/command.js';
import { captureDeps } from '../helpers/deps.js';
import { flagValues } from '../../src/startup/luxd-argv.js';
import { bootstrapFlags, loadBootstrapTable, parseBootstrapEntry } from '../../src/startup/bootstrap-nodes.js';

const IDS = [
  'NodeID-8mCxB5QtMDX1S84zaXF7i8vGcP4FJxACH',
  'NodeID-Pss5uJBPNECYvPZVuas9sE8ZwSpwP43Tr',
  'NodeID-F1snfkawAgudnrp4wZWRK6syZwokPRfb2',
  'NodeID-H7KVD16b5b8uzWy9uUdrjzsBLEbbTaUKc',
  'NodeID-aVsqjzUqNNTNDxbRwkCUrwnVgEe5x8Qc',
];
const HOST = 'luxd-{ordinal}.luxd-headless.lux-mainnet.svc.cluster.local:9631';
const TABLE = IDS.map((id) => `${id}@${HOST}`).join(',');
const host = (i: number) => `luxd-${i}.luxd-headless.lux-mainnet.svc.cluster.local:9631`;
const work = mkdtempSync(join(tmpdir(), 'luxops-boot-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function luxdArgv(flags: string[], env: Record<string, string>, fakeArgs: string[] = []) {
  const run = await startSupervisor(flags, fakeArgs, {}, env);
  const rec = await waitFor(() => {
    const r = readRecord(run.record) as (ReturnType<typeof readRecord> & { argv: string[] }) | undefined;
    return r?.port ? r : undefined;
  }, 'luxd started', 20_000);
  run.deps.raise('SIGTERM');
  assert.equal(await run.done, 0, run.deps.err());
  const args = rec.argv.slice(2);
  return { run, ips: flagValues(args, 'bootstrap-ips'), ids: flagValues(args, 'bootstrap-ids') };
}

test('pod 3 of 5 (env twin, as the overlays set it): luxd bootstraps from the other four, its own entry left out, the argv values replaced', { timeout: 30_000 }, async () => {
  const all = [0, 1, 2, 3, 4].map(host).join(',');
  const { run, ips, ids } = await luxdArgv([], { LUXOPS_BOOTSTRAP_NODES: TABLE, HOSTNAME: 'luxd-3' }, [`--bootstrap-ips=${all}`, '--bootstrap-ids', IDS.join(',')]);
  assert.deepEqual(ips, [[0, 1, 2, 4].map(host).join(',')]);
  assert.deepEqual(ids, [[0, 1, 2, 4].map((i) => IDS[i]).join(',')]);
  const line = logsMatching(run.deps, `luxd bootstrap peers: 4 of 5 (own entry 3 ${IDS[3]}@${host(3)} left out) (replaced --bootstrap-ips=${all} --bootstrap-ids=${IDS.join(',')} in luxd's command line)`);
  assert.equal(line.length, 1);
  assert.equal(line[0]!.ownOrdinal, 3);
});

test('--bootstrap-nodes-file: one entry per line, comments and blank lines skipped; pod 0 gets 1..4', { timeout: 30_000 }, async () => {
  const file = join(work, 'peers.txt');
  writeFileSync(file, ['# lux mainnet validators, by ordinal', ...IDS.map((id, i) => `${id}@${HOST}${i === 2 ? '   # the slow one' : ''}`), ''].join('\n'));
  const { ips, ids } = await luxdArgv(['--bootstrap-nodes-file', file], { HOSTNAME: 'luxd-0' });
  assert.deepEqual(ips, [[1, 2, 3, 4].map(host).join(',')]);
  assert.deepEqual(ids, [IDS.slice(1).join(',')]);
});

test('a pod outside the table (scaled past it) bootstraps from every entry', { timeout: 30_000 }, async () => {
  const { run, ips } = await luxdArgv(['--bootstrap-nodes', TABLE], { HOSTNAME: 'luxd-5' });
  assert.deepEqual(ips, [[0, 1, 2, 3, 4].map(host).join(',')]);
  assert.equal(logsMatching(run.deps, 'ordinal 5 is not in the table').length, 1);
});

test('usage errors exit 2: malformed entry, HOSTNAME without an ordinal, duplicate NodeID, flag and file together, missing file; --check shows the result', async () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--bootstrap-nodes', `${IDS[0]}@luxd-0:9631,${IDS[1]}`], { HOSTNAME: 'luxd-0' }, /invalid --bootstrap-nodes entry "NodeID-Pss5uJBPNECYvPZVuas9sE8ZwSpwP43Tr": no @/],
    [['--bootstrap-nodes', `${IDS[0]}@luxd-0`], { HOSTNAME: 'luxd-0' }, /no HOST:PORT after @/],
    [['--bootstrap-nodes', `NodeID-xyz@luxd-0:9631`], { HOSTNAME: 'luxd-0' }, /"NodeID-xyz" is not a NodeID/],
    [['--bootstrap-nodes', `${IDS[0]}@luxd-{pod}:9631`], { HOSTNAME: 'luxd-0' }, /is not a host name or IP address \(only \{ordinal\} is expanded\)/],
    [['--bootstrap-nodes', `${IDS[0]}@luxd-0:70000`], { HOSTNAME: 'luxd-0' }, /port 70000 out of range/],
    [['--bootstrap-nodes', TABLE], { HOSTNAME: 'validator' }, /--bootstrap-nodes needs this pod's ordinal, the trailing number of HOSTNAME .*got "validator"/],
    [['--bootstrap-nodes', `${IDS[0]}@a:1,${IDS[0]}@b:1`], { HOSTNAME: 'luxd-0' }, /lists NodeID-8mCxB5QtMDX1S84zaXF7i8vGcP4FJxACH twice \(ordinals 0 and 1\)/],
    [['--bootstrap-nodes', TABLE, '--bootstrap-nodes-file', '/x'], { HOSTNAME: 'luxd-0' }, /--bootstrap-nodes and --bootstrap-nodes-file are alternatives/],
    [['--bootstrap-nodes-file', join(work, 'missing')], { HOSTNAME: 'luxd-0' }, /cannot read --bootstrap-nodes-file .*missing: ENOENT/],
    [['--bootstrap-nodes', TABLE, '--attach'], { HOSTNAME: 'luxd-0' }, /--bootstrap-nodes cannot be used with --attach/],
  ];
  for (const [flags, env, msg] of cases) {
    const d = captureDeps();
    const rest = flags.includes('--attach') ? [] : ['--', '/bin/true'];
    const code = await startupCommand.main([...flags, ...rest], { PATH: process.env.PATH, ...env }, d);
    assert.equal(code, 2, `${flags.join(' ')}: ${d.err()}`);
    assert.match(d.err(), msg);
  }
  const d = captureDeps();
  assert.equal(await startupCommand.main(['--check', '--bootstrap-nodes', TABLE, '--public-ip-from', 'static:;;;203.0.113.13,pod', '--', '/bin/true'], { HOSTNAME: 'luxd-3' }, d), 0);
  const shown = JSON.parse(d.out());
  assert.deepEqual(shown.bootstrap, { ownOrdinal: 3, ips: [0, 1, 2, 4].map(host).join(','), ids: [0, 1, 2, 4].map((i) => IDS[i]).join(',') });
  assert.deepEqual(shown.publicIpFrom, ['static[3]', 'pod']);
});

test('pieces: {ordinal} is the entry\'s own index, IPv6 in brackets, own entry excluded', () => {
  assert.deepEqual(parseBootstrapEntry(`${IDS[2]}@luxd-{ordinal}.x:9651`, 2, 'f'), { ordinal: 2, id: IDS[2], endpoint: 'luxd-2.x:9651' });
  assert.equal(parseBootstrapEntry(`${IDS[0]}@[2001:db8::1]:9631`, 0, 'f').endpoint, '[2001:db8::1]:9631');
  assert.equal(parseBootstrapEntry(`${IDS[0]}@203.0.113.5:9631`, 0, 'f').endpoint, '203.0.113.5:9631');
  const t = loadBootstrapTable(IDS.slice(0, 2).map((id) => `${id}@h{ordinal}:1`), undefined);
  assert.deepEqual(bootstrapFlags(t, 1), { ips: 'h0:1', ids: IDS[0], peers: [t[0]], self: t[1] });
  assert.deepEqual(bootstrapFlags(t.slice(0, 1), 0), { ips: '', ids: '', peers: [], self: t[0] });
});
