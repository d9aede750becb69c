// `luxops startup`: the container entrypoint of every validator pod. Replaces the chart's shell
// script (`luxd $ARGS &`, a curl health loop, aliasChain calls with errors ignored, RLP import,
// `wait $LUXD_PID`) with a supervisor that forwards signals, passes exit codes through, waits for
// health, applies aliases, runs the import and serves honest readiness.
import { defineCommand } from '../core/command.js';
import { UsageError } from '../core/errors.js';
import type { SignalSource } from '../core/shutdown.js';
import { unprefixConfig } from '../core/options.js';
import { rlpImportOptions } from '../rlp-import/options.js';
import type { RlpImportConfig } from '../rlp-import/options.js';
import { restoreSnapshotOptions } from '../snapshot/restore-options.js';
import type { RecoverySetup } from './recovery.js';
import { join } from 'node:path';
import { parseAliases } from './alias-spec.js';
import { attach } from './attach.js';
import { clearChainData, planClearChainData } from './clear-chain-data.js';
import { startupOptions } from './options.js';
import type { StartupConfig } from './options.js';
import { SupervisorState } from './state.js';
import { startStatusServer } from './status-server.js';
import type { StatusServer } from './status-server.js';
import { supervise } from './supervise.js';
import { applyNetworkPlan, describePlan, planNetwork } from './network-args.js';
import { exitCodeForSignal } from '../core/exit-codes.js';
import { getServiceViaHelper } from './kube-helper.js';

const DEFAULT_API_URL = 'http://127.0.0.1:9630';

/** The rlp-import config from the `--rlp-*` group; api url/prefix follow startup's unless set. */
export function rlpConfigOf(config: StartupConfig): RlpImportConfig | undefined {
  if (!config.rlpBaseUrl) return undefined;
  const rlp = unprefixConfig(config, 'rlp-', rlpImportOptions);
  return Object.freeze({
    ...rlp,
    apiUrl: rlp.apiUrl === DEFAULT_API_URL ? config.apiUrl : rlp.apiUrl,
    apiPrefix: rlp.apiPrefix === 'auto' ? config.apiPrefix : rlp.apiPrefix,
  });
}

/** The import marker `--clear-chain-data` removes: --rlp-marker, else the import's default when importing. */
function markerOf(config: StartupConfig): string | undefined {
  if (typeof config.rlpMarker === 'string' && config.rlpMarker !== '') return config.rlpMarker;
  if (config.rlpBaseUrl) return join(String(config.rlpDestDir), '.rlp-import.done');
  return undefined;
}

function planOf(config: StartupConfig) {
  return planClearChainData({ dataDir: config.dataDir, networkId: config.networkId, cchainId: config.cchainId, marker: markerOf(config) });
}

/** `--cchain-recovery` and its inputs; throws UsageError naming what is missing. Pure (runs in --check). */
export function recoverySetupOf(config: StartupConfig): RecoverySetup {
  const mode = config.cchainRecovery as RecoverySetup['mode'];
  if (mode === 'off') return { mode, max: config.cchainRecoveryMax, windowMs: config.cchainRecoveryWindow, plan: undefined };
  const flag = `--cchain-recovery ${mode}`;
  if (config.attach) throw new UsageError(`${flag} cannot be used with --attach (luxd runs in another container; it cannot be stopped and started from here)`, 'E_CONFLICT');
  if (config.cchainProbeInterval === 0) throw new UsageError(`${flag} needs the C-chain state probe (--cchain-probe-interval > 0)`, 'E_CONFLICT');
  let plan;
  try {
    plan = planOf(config);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.replace('--clear-chain-data', flag), e.code);
    throw e;
  }
  if (mode === 'reimport') {
    if (!config.rlpBaseUrl) throw new UsageError(`${flag} needs the RLP import (--rlp-base-url, --rlp-file)`, 'E_MISSING_FLAG');
    return { mode, max: config.cchainRecoveryMax, windowMs: config.cchainRecoveryWindow, plan };
  }
  const snap = unprefixConfig(config, 'snapshot-', restoreSnapshotOptions);
  if (!snap.url) throw new UsageError(`${flag} needs --snapshot-url (an archive made by snapshot-create)`, 'E_MISSING_FLAG');
  const name = snap.url.startsWith('s3://') ? snap.url : new URL(snap.url).pathname;
  if (!/\.(tar|tar\.gz|tgz|tar\.zst|tzst)$/.test(name)) throw new UsageError(`invalid value for --snapshot-url: ${JSON.stringify(snap.url)}, expected a .tar, .tar.gz, .tgz, .tar.zst or .tzst archive`, 'E_BAD_OPTION');
  if (snap.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(snap.sha256)) throw new UsageError(`invalid value for --snapshot-sha256: ${JSON.stringify(snap.sha256)}, expected 64 hex digits`, 'E_BAD_OPTION');
  const { dataDir: _d, marker: _m, ...snapshot } = snap;
  return { mode, max: config.cchainRecoveryMax, windowMs: config.cchainRecoveryWindow, plan, snapshot };
}

/**
 * The supervisor idles between health polls (1-10 s apart): V8's optimizing tiers (TurboFan, Maglev)
 * never pay off there, and the single executable's code pages they touch stayed resident, ~6 MB of
 * the supervisor's 60 MB budget (bench/RESULTS.md). Ignition and Sparkplug still run everything.
 * Set at run time, once the steady state's builtins are loaded (see afterStart), not at start-up.
 * Not when the RLP import runs in-process: its download and block scan are hot loops.
 */
function baselineTiersOnly(): void {
  const v8 = process.getBuiltinModule('node:v8');
  v8.setFlagsFromString('--no-turbofan');
  v8.setFlagsFromString('--no-maglev');
}

/**
 * Run `work` with SIGTERM/SIGINT aborting its signal (before the spawn there is nothing to forward
 * them to); resolves to the signal that stopped it, or undefined when it finished.
 */
async function withStopSignals(signals: SignalSource, work: (signal: AbortSignal) => Promise<void>): Promise<NodeJS.Signals | undefined> {
  const ac = new AbortController();
  let got: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    got ??= sig;
    const err = new Error(`received ${sig}`);
    err.name = 'AbortError';
    ac.abort(err);
  };
  signals.on('SIGTERM', handler);
  signals.on('SIGINT', handler);
  try {
    await work(ac.signal);
    return undefined;
  } catch (e) {
    if (got !== undefined) return got;
    throw e;
  } finally {
    signals.off('SIGTERM', handler);
    signals.off('SIGINT', handler);
  }
}

/** `luxops startup`. */
export const startupCommand = defineCommand({
  name: 'startup',
  summary: 'Run luxd as a supervised child (or attach to it): signals, exit codes, health wait, chain aliases, RLP import, readiness',
  usage: '[flags] -- /luxd/build/luxd [luxd args...]\n       luxops startup --attach [flags]',
  options: startupOptions,
  handlesSignals: true,
  allowRest: true,
  helpExtra: [
    'Exit codes: luxd\'s own exit code, or 128+n when luxd died of signal n; 126 luxd not executable;',
    '127 luxd not found; 1 runtime failure (and --strict post-start failures); 2 usage error or a',
    'refused --clear-chain-data. --attach exits 0 on SIGTERM.',
    '',
    'Example:',
    '  luxops startup --alias zoo=C --status-listen 0.0.0.0:9639 -- /luxd/build/luxd --http-host=0.0.0.0 --api-admin-enabled=true',
  ].join('\n'),
  validate({ config: c, rest }, env) {
    const config = c as unknown as StartupConfig;
    if (config.attach && rest.length > 0) throw new UsageError(`--attach takes no child command, got ${JSON.stringify(rest[0])} after --`, 'E_UNEXPECTED_ARG');
    if (!config.attach && rest.length === 0) throw new UsageError('missing the luxd command after -- (or use --attach)', 'E_MISSING_ARG');
    if (!config.attach && rest[0] === '') throw new UsageError('the command after -- is empty', 'E_MISSING_ARG');
    parseAliases(config.alias);
    if (config.clearChainData) {
      if (config.attach) throw new UsageError('--clear-chain-data cannot be used with --attach (luxd is already running)', 'E_CONFLICT');
      planOf(config);
    }
    if (config.rlpBaseUrl) {
      if (!config.rlpFile) throw new UsageError('--rlp-base-url needs --rlp-file (or LUXOPS_RLP_FILE)', 'E_MISSING_FLAG');
    }
    planNetwork(config, rest.slice(1), env);
    recoverySetupOf(config);
  },
  describe({ config: c, rest }, env) {
    const config = c as unknown as StartupConfig;
    return {
      ...describePlan(planNetwork(config, rest.slice(1), env)),
      mode: config.attach ? 'attach' : 'supervise',
      aliases: parseAliases(config.alias),
      ...(config.clearChainData ? { clearChainData: planOf(config) } : {}),
      import: config.rlpBaseUrl ? 'after aliases, in-process' : 'off',
      cchainRecovery: (({ mode, max, windowMs, plan }) => ({ mode, max, windowMs, ...(plan ? { chainDir: plan.chainDir, marker: plan.marker ?? null } : {}) }))(recoverySetupOf(config)),
    };
  },
  async run({ config: c, rest, env, deps, log }) {
    const config = c as unknown as StartupConfig;
    const now = deps.now ?? Date.now;
    const aliases = parseAliases(config.alias);
    const rlp = rlpConfigOf(config);
    const state = new SupervisorState(aliases, rlp !== undefined, now);
    // Until luxd is spawned, load and touch only what the spawn needs: the opt-in steps import
    // their modules on demand, and the logger (pino, the stderr stream) is set up by its first line.
    // The network flags come first: a pod without its public IP stops here with nothing changed.
    let command = rest;
    const network = planNetwork(config, rest.slice(1), env);
    const networkLines: Array<() => void> = [];
    const flushNetworkLines = () => {
      for (const line of networkLines.splice(0)) line();
    };
    if (network.publicIp || network.bootstrap) {
      const stopped = await withStopSignals(deps.signals, async (signal) => {
        // the Service GET in a helper process when the entry says how to start one (kube-helper.ts)
        const getService = deps.selfCommand ? getServiceViaHelper(deps.selfCommand, env) : undefined;
        command = [rest[0]!, ...(await applyNetworkPlan(rest.slice(1), { plan: network, config, env, log, signal, defer: (line) => networkLines.push(line), getService }))];
      });
      if (stopped) {
        log.warn({ signal: stopped }, `received ${stopped} before luxd was started; exiting`);
        return exitCodeForSignal(stopped);
      }
    }
    if (config.clearChainData) await clearChainData(planOf(config), log);
    if (config.aliasesFile) await (await import('./aliases-file.js')).mergeAliasesFile(config.aliasesFile, aliases, log);
    let server: Promise<StatusServer> | undefined;
    const lifecycle = {
      apiUrl: config.apiUrl,
      apiPrefix: config.apiPrefix as 'auto' | '/ext' | '/v1',
      healthTimeoutMs: config.healthTimeout,
      healthIntervalMs: config.healthInterval,
      runningIntervalMs: config.runningInterval,
      strict: config.strict,
      attach: config.attach,
      rlp,
      state,
      log,
      cchainProbeIntervalMs: config.cchainProbeInterval,
    };
    const recovery = recoverySetupOf(config);
    // what follows luxd's start (the spawn, or at once with --attach); a taken status port then
    // stops luxd and exits 1
    const afterStart = async () => {
      flushNetworkLines();
      if (deps.pid === 1) log.warn({ pid: 1 }, 'running as PID 1: re-parented grandchildren are not reaped; set shareProcessNamespace: true on the pod (or run under tini)');
      if (config.statusListen) await (server = startStatusServer(config.statusListen, state, log));
      // after the status server: a V8 flag change makes V8 reject Node's built-in code cache for
      // every builtin loaded later (their flag hash no longer matches), and the server's listen
      // loads the last ones the steady state needs (node:cluster, node:dns)
      if (!rlp) baselineTiersOnly();
    };
    try {
      if (config.attach) {
        await afterStart();
        // no child here: a corrupt C-chain is reported (and why nothing is done), never repaired
        return await attach({ signals: deps.signals, log, lifecycle: { ...lifecycle, onCorrupt: (v) => void import('./recovery.js').then((r) => r.beginRecovery(recovery, v.reason, { state, log, now })) } });
      }
      return await supervise({ command, env, signals: deps.signals, graceMs: config.gracePeriod, killProcessGroup: config.killProcessGroup, log, lifecycle, onSpawned: afterStart, recovery, now });
    } finally {
      flushNetworkLines(); // when luxd could not be started
      state.phase = 'exited';
      // a luxd that exits at once can beat the bind: wait for it, then close what was opened
      await (await server?.catch(() => undefined))?.close();
    }
  },
});
