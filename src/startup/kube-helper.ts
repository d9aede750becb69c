// The service: public-IP source's API call, made by a short-lived helper process: the executable
// itself, started with the hidden command `__kube-get-service`. The call is the only TLS the
// supervisor would ever make, and loading node:tls with OpenSSL's initialisation costs ~8 MB of
// resident memory that stays for the pod's whole life (bench/startup.mjs: 64 MB peak in-process
// against the 60 MB bar). The helper exits before luxd starts, so that cost is paid once, for
// ~50 ms, and never sits next to luxd. Each attempt is its own helper, which also re-reads the
// rotated token (kube-api.ts getService) as before.
// The helper gets no secret on its command line: it reads the token and CA from the mounted files.
import type { InCluster, KubeAnswer } from './kube-api.js';
import { LuxopsError, errorMessage } from '../core/errors.js';

/** Hidden command (not in --help, not suggested for typos) that runs one GET of a Service. */
export const KUBE_GET_COMMAND = '__kube-get-service';

export type GetService = (cfg: InCluster, namespace: string, name: string, opts: { timeoutMs: number; signal?: AbortSignal }) => Promise<KubeAnswer>;

interface HelperRequest {
  cfg: InCluster;
  namespace: string;
  name: string;
  timeoutMs: number;
}
type HelperAnswer = { ok: KubeAnswer } | { error: { code: string; message: string } };

// the answer is at most 1 MiB of body (node-http's cap) as JSON text; anything past this is not ours
const MAX_OUTPUT = 8 * 1024 * 1024;
// on top of the request's own timeout: the helper's start-up, which a loaded node can slow
const HELPER_SLACK_MS = 10_000;

/**
 * getService through a helper started as `self` (this executable: [exe] for the single executable,
 * [node, script] for a bundle). Failures come back as the LuxopsError the helper saw (same code and
 * message as in-process); a helper that dies or hangs is E_KUBE_HELPER. Abort kills it.
 */
export function getServiceViaHelper(self: readonly string[], env: Readonly<Record<string, string | undefined>>): GetService {
  return (cfg, namespace, name, opts) =>
    new Promise<KubeAnswer>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      const req: HelperRequest = { cfg, namespace, name, timeoutMs: opts.timeoutMs };
      const { spawn } = process.getBuiltinModule('node:child_process');
      const child = spawn(self[0]!, [...self.slice(1), KUBE_GET_COMMAND, JSON.stringify(req)], { stdio: ['ignore', 'pipe', 'pipe'], env: env as NodeJS.ProcessEnv });
      let out = '';
      let err = '';
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        fn();
      };
      const onAbort = () => finish(() => reject(opts.signal!.reason));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => finish(() => reject(new LuxopsError('E_KUBE_HELPER', `the Kubernetes API helper did not answer within ${Math.round((opts.timeoutMs + HELPER_SLACK_MS) / 1000)}s`))), opts.timeoutMs + HELPER_SLACK_MS);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.length > MAX_OUTPUT) finish(() => reject(new LuxopsError('E_KUBE_HELPER', 'the Kubernetes API helper wrote more than 8 MiB')));
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err = (err + d).slice(-4096);
      });
      child.on('error', (e) => finish(() => reject(new LuxopsError('E_KUBE_HELPER', `cannot start the Kubernetes API helper ${self.join(' ')}: ${errorMessage(e)}`, { cause: e }))));
      child.on('close', (code, sig) =>
        finish(() => {
          let answer: HelperAnswer | undefined;
          try {
            answer = JSON.parse(out) as HelperAnswer;
          } catch {
            answer = undefined;
          }
          if (code === 0 && answer && 'ok' in answer) return resolve(answer.ok);
          if (code === 0 && answer && 'error' in answer) return reject(new LuxopsError(answer.error.code, answer.error.message));
          const last = err.trim().split('\n').at(-1)?.slice(0, 300);
          reject(new LuxopsError('E_KUBE_HELPER', `the Kubernetes API helper ended with ${sig ?? `exit ${code}`}${last ? `: ${last}` : ''}`));
        }),
      );
    });
}

/** The helper's side: one GET with `arg` (the JSON request), its answer as one JSON line; exit code. */
export async function runKubeGetHelper(arg: string | undefined, write: (line: string) => void): Promise<number> {
  let req: HelperRequest;
  try {
    req = JSON.parse(arg ?? '') as HelperRequest;
    if (typeof req?.cfg?.baseUrl !== 'string' || typeof req.cfg.tokenPath !== 'string' || typeof req.cfg.caPath !== 'string' || typeof req.namespace !== 'string' || typeof req.name !== 'string' || !(req.timeoutMs > 0)) throw new Error('shape');
  } catch {
    write(JSON.stringify({ error: { code: 'E_USAGE', message: `${KUBE_GET_COMMAND}: expected one JSON request argument` } }) + '\n');
    return 2;
  }
  const { getService } = await import('./kube-api.js');
  let answer: HelperAnswer;
  try {
    answer = { ok: await getService(req.cfg, req.namespace, req.name, { timeoutMs: req.timeoutMs }) };
  } catch (e) {
    answer = { error: { code: (e as { code?: unknown }).code && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'E_KUBE_HELPER', message: errorMessage(e) } };
  }
  write(JSON.stringify(answer) + '\n');
  return 0;
}
