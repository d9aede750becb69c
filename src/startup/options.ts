// startup's option table. The `--rlp-*` group is rlp-import's own table under a prefix (one source
// of truth), so every rlp-import flag works here as `--rlp-<flag>`, with rlp-import's own env twin
// LUXOPS_RLP_IMPORT_<FLAG> (the older LUXOPS_RLP_<FLAG> is still read, deprecated).
import { prefixOptions } from '../core/options.js';
import type { OptionDef, ConfigOf } from '../core/options.js';
import { rlpImportOptions } from '../rlp-import/options.js';
import { restoreSnapshotOptions } from '../snapshot/restore-options.js';

/** The supervisor's own flags (without the rlp group). */
export const startupOwnOptions = [
  { name: 'attach', type: 'bool', help: 'sidecar mode: no child; wait for the luxd that runs elsewhere in the pod, apply aliases, keep polling' },
  { name: 'api-url', type: 'url', default: 'http://127.0.0.1:9630', help: "luxd's HTTP API" },
  { name: 'api-prefix', type: 'enum', choices: ['auto', '/ext', '/v1'], default: 'auto', help: 'route prefix; auto probes <prefix>/health for /ext then /v1' },
  { name: 'health-timeout', type: 'duration', default: '180s', min: 0, help: 'how long to wait for luxd to turn healthy after start' },
  { name: 'health-interval', type: 'duration', default: '1s', min: 10, help: 'health poll period while waiting' },
  { name: 'running-interval', type: 'duration', default: '10s', min: 10, help: 'health poll period after start-up (keeps readiness honest)' },
  { name: 'alias', type: 'list', metavar: 'NAME=CHAIN', help: 'chain alias to apply via admin.aliasChain once healthy (repeatable; CHAIN is a blockchain ID or an alias such as C)' },
  { name: 'aliases-file', type: 'string', metavar: 'PATH', help: "before luxd starts, merge every --alias whose CHAIN is a blockchain ID into this luxd --chain-aliases-file" },
  { name: 'grace-period', type: 'duration', default: '30s', min: 0, help: 'after SIGTERM/SIGINT, SIGKILL luxd (and its group) when it is still running this long' },
  { name: 'kill-process-group', type: 'bool', default: 'true', help: "forward signals to luxd's whole process group, not only luxd" },
  { name: 'status-listen', type: 'hostport', help: 'serve /livez /readyz /status /metrics on HOST:PORT (empty = off)' },
  { name: 'clear-chain-data', type: 'bool', help: 'before spawning, delete <data-dir>/chainData/network-<network-id>/<cchain-id> and the import marker' },
  { name: 'data-dir', type: 'string', metavar: 'DIR', help: "luxd's --data-dir (for --clear-chain-data)" },
  { name: 'network-id', type: 'int', min: 0, help: 'network id (for --clear-chain-data): 1 mainnet, 2 testnet, 3 devnet' },
  { name: 'cchain-id', type: 'string', metavar: 'ID', help: 'C-chain blockchain ID (for --clear-chain-data)' },
  { name: 'strict', type: 'bool', help: 'any post-start failure (health timeout, alias, import) stops luxd and exits 1' },
  { name: 'public-ip-from', type: 'string', metavar: 'SOURCES', help: "set luxd's --public-ip from the first of these that gives an address: static:IP;IP;... (entry = pod ordinal), service:NAME (its LoadBalancer ingress via the Kubernetes API; {ordinal}/{hostname} expand), pod ($POD_IP); comma-separated, e.g. static:203.0.113.10;203.0.113.11,service:luxd-{ordinal},pod" },
  { name: 'public-ip-attempts', type: 'int', default: '30', min: 1, max: 1000, help: 'service: source: how many times to read the Service before trying the next source' },
  { name: 'public-ip-interval', type: 'duration', default: '5s', min: 10, help: 'service: source: pause between two reads (each wait is logged)' },
  { name: 'kube-namespace', type: 'string', metavar: 'NS', help: "namespace of the service: source (default: the service account's namespace file, else $POD_NAMESPACE)" },
  { name: 'kube-service-account-dir', type: 'string', metavar: 'DIR', default: '/var/run/secrets/kubernetes.io/serviceaccount', help: 'where token, ca.crt and namespace are mounted (the token is re-read for every request)' },
  { name: 'bootstrap-nodes', type: 'list', metavar: 'ID@HOST:PORT', help: "luxd's peers by pod ordinal (entry i = pod i; {ordinal} in HOST is i); luxd gets --bootstrap-ips/--bootstrap-ids of all but this pod's own entry (ordinal from HOSTNAME)" },
  { name: 'bootstrap-nodes-file', type: 'string', metavar: 'PATH', help: 'the same table from a file, one ID@HOST:PORT per line (# comments)' },
  { name: 'cchain-probe-interval', type: 'duration', default: '60s', min: 0, help: 'read the C-chain state (eth_blockNumber + eth_getBalance at latest, and luxd\'s C health check) this often once post-start is done; 0 = never' },
  { name: 'cchain-recovery', type: 'enum', choices: ['off', 'reimport', 'restore'], default: 'off', help: 'when the C-chain state is corrupt: off = report only; reimport = stop luxd, clear the C-chain data and the import marker, start luxd, import again (--rlp-*); restore = stop luxd, restore --snapshot-url into a staging dir, swap its C-chain dir in, start luxd' },
  { name: 'cchain-recovery-max', type: 'int', default: '2', min: 0, max: 100, help: 'at most this many automatic recoveries per --cchain-recovery-window (counted in <data-dir>/.luxops-cchain-recovery.json, so restarts do not reset it)' },
  { name: 'cchain-recovery-window', type: 'duration', default: '24h', min: 1000, help: 'the window --cchain-recovery-max counts in' },
] as const satisfies readonly OptionDef[];

/** The rlp-import table under `rlp-`. */
export const startupRlpOptions = prefixOptions(rlpImportOptions, 'rlp-', 'rlp-import');

/** restore-snapshot's table under `snapshot-`, for `--cchain-recovery restore` (the data dir and marker are startup's). */
export const startupSnapshotOptions = prefixOptions(restoreSnapshotOptions.filter((d) => d.name !== 'data-dir' && d.name !== 'marker'), 'snapshot-', 'restore-snapshot');

/** The full table `startup` parses. */
export const startupOptions = [...startupOwnOptions, ...startupRlpOptions, ...startupSnapshotOptions] as const;

/** The typed config of startup's own flags; the rlp group is read back with `unprefixConfig`. */
export type StartupConfig = ConfigOf<typeof startupOwnOptions> & Readonly<Record<string, unknown>>;
