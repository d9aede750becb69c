// --attach (sidecar): no child; wait, apply aliases, keep polling; re-apply after the fake luxd
// restarts (luxd keeps API aliases in memory); SIGTERM exits 0; --strict failures exit 1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error plain JS fixture without types
import { startFakeLuxd, CHAIN_IDS } from '../fixtures/fake-luxd.mjs';
import { startupCommand } from '../../src/startup/command.js';
import { captureDeps } from '../helpers/deps.js';
import { freePort, waitFor, logsMatching, getStatus, statusPortOf } from './helpers.js';

type Fake = { url: string; close(): Promise<void>; state: { aliases: Record<string, string>; calls: Array<{ method: string }> } };
const open = new Set<Fake>();
async function fake(port: number, opts: Record<string, unknown> = {}): Promise<Fake> {
  const f = (await startFakeLuxd({ httpPort: port, ...opts })) as Fake;
  open.add(f);
  return f;
}
async function stop(f: Fake) {
  open.delete(f);
  await f.close();
}
after(async () => {
  for (const f of open) await f.close();
});

test('attach: aliases applied, re-applied after luxd restarts, SIGTERM exits 0', async () => {
  const port = await freePort();
  let f = await fake(port);
  const d = captureDeps();
  const done = startupCommand.main(
    ['--attach', '--api-url', `http://127.0.0.1:${port}`, '--health-interval', '50ms', '--running-interval', '50ms', '--alias', 'zoo=C', '--alias', 'bar=X', '--status-listen', '127.0.0.1:0'],
    {},
    d,
  );
  after(() => {
    d.raise('SIGTERM');
    return done.then(() => undefined);
  });
  const sp = await statusPortOf(d);
  await waitFor(() => f.state.aliases.bar, 'aliases on the first luxd');
  assert.equal(f.state.aliases.zoo, CHAIN_IDS.C);
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready');
  assert.equal((await getStatus(sp, '/status')).body.pid, null);
  // restart: the new process knows no aliases
  await stop(f);
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 503, 'not ready while luxd is down');
  f = await fake(port);
  await waitFor(() => f.state.aliases.bar, 'aliases re-applied on the restarted luxd');
  assert.equal(f.state.aliases.zoo, CHAIN_IDS.C);
  assert.ok(logsMatching(d, 're-applying aliases').length >= 1);
  await waitFor(async () => (await getStatus(sp, '/readyz')).status === 200, 'ready again');
  // non-stop signals are ignored in attach mode
  d.raise('SIGHUP');
  assert.equal(logsMatching(d, 'no child in --attach mode').length, 1);
  d.raise('SIGTERM');
  assert.equal(await done, 0);
});

test('attach --strict: health timeout exits 1', async () => {
  const port = await freePort();
  await fake(port, { healthyAfterMs: 600_000 });
  const d = captureDeps();
  const code = await startupCommand.main(['--attach', '--strict', '--api-url', `http://127.0.0.1:${port}`, '--health-interval', '50ms', '--health-timeout', '200ms'], {}, d);
  assert.equal(code, 1);
  assert.equal(logsMatching(d, '--strict: luxd not healthy after').length, 1);
});

test('attach on nothing listening waits (connection refused is just unhealthy), SIGINT exits 0', async () => {
  const port = await freePort();
  const d = captureDeps();
  const done = startupCommand.main(['--attach', '--api-url', `http://127.0.0.1:${port}`, '--health-interval', '20ms', '--health-timeout', '100ms', '--running-interval', '20ms'], {}, d);
  await waitFor(() => logsMatching(d, 'luxd not healthy after')[0], 'timeout logged');
  assert.match(String(logsMatching(d, 'luxd not healthy after')[0]!.msg), /ECONNREFUSED/);
  d.raise('SIGINT');
  assert.equal(await done, 0);
});
