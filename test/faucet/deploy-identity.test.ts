// The overlays that run a faucet name their network on its page (the page used to say "Lux devnet" on
// testnet too), and every LUXOPS_* key of the faucet ConfigMap is one of the faucet's env twins, so a
// misspelt key cannot be silently ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderOverlay, configMapData } from '../deploy/render.js';
import { faucetOptions } from '../../src/faucet/options.js';
import { bindEnv, envName } from '../../src/core/options.js';

// the faucet's own twins (LUXOPS_FAUCET_*), as the command reads them
const twins = new Set(bindEnv(faucetOptions, 'faucet').map((o) => envName(o)).filter((n): n is string => n !== undefined));

for (const [net, name] of [['testnet', 'Lux Testnet'], ['devnet', 'Lux Devnet']] as const) {
  test(`${net}: the faucet page is titled for ${name}; every faucet ConfigMap key is a faucet flag`, () => {
    const objs = renderOverlay(net);
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('faucet'));
    assert.ok(cm, 'faucet ConfigMap');
    const data = configMapData(objs, cm.metadata.name);
    assert.equal(data.LUXOPS_FAUCET_NETWORK_NAME, name);
    for (const k of Object.keys(data).filter((k) => k.startsWith('LUXOPS_'))) assert.ok(twins.has(k), `${k} is not a faucet flag's env twin`);
  });
}
