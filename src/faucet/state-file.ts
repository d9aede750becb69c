// --state-file: the rate-limit charges survive a restart. Written atomically (a crash leaves the old
// or the new file), coalesced so a burst of drips costs one write, and flushed on shutdown.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/files.js';
import { LuxopsError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { DripLimits } from './rate-limiter.js';

interface StateDoc {
  version: 1;
  savedAt: number;
  ip: Record<string, number[]>;
  address: Record<string, number[]>;
}

/** Read the state file into the limit tables; a missing file is a fresh start, a corrupt one an error. */
export async function loadState(path: string, limits: DripLimits, now: number): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new LuxopsError('E_STATE_FILE', `--state-file ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
  }
  let doc: Partial<StateDoc>;
  try {
    doc = JSON.parse(text) as Partial<StateDoc>;
  } catch {
    throw new LuxopsError('E_STATE_FILE', `--state-file ${path}: not valid JSON; move it away to start with empty limits`);
  }
  if (!doc || doc.version !== 1 || typeof doc.ip !== 'object' || typeof doc.address !== 'object') {
    throw new LuxopsError('E_STATE_FILE', `--state-file ${path}: not a faucet state file (version 1); move it away to start with empty limits`);
  }
  limits.ip.restore(doc.ip ?? {}, now);
  limits.address.restore(doc.address ?? {}, now);
  return limits.ip.size + limits.address.size;
}

/** Coalescing writer: at most one write in flight; changes made meanwhile trigger one more. */
export class StateWriter {
  private dirty = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly limits: DripLimits,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  /** Note a change and make sure a write follows. */
  markDirty(): void {
    this.dirty = true;
    if (!this.running) this.running = this.loop().finally(() => (this.running = undefined));
  }

  private async loop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const t = this.now();
      const doc: StateDoc = { version: 1, savedAt: t, ip: this.limits.ip.snapshot(t), address: this.limits.address.snapshot(t) };
      try {
        await writeFileAtomic(this.path, JSON.stringify(doc) + '\n', { mode: 0o600 });
      } catch (e) {
        this.log.warn({ code: 'E_STATE_WRITE', path: this.path }, (e as Error).message);
      }
    }
  }

  /** Wait for pending writes (shutdown). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }
}
