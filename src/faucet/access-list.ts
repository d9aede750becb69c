// --deny-list / --allow-list: files of recipient addresses, client IPs and CIDRs, one per line
// (`#` starts a comment). A denied address or client IP gets 403; an allow entry overrides a deny
// entry that also matches (deny 10.0.0.0/8, allow 10.1.2.3), and an allowed address may receive
// drips even when it is a contract (--refuse-contracts). The files are re-read when they change
// (polled: a Kubernetes ConfigMap update swaps a symlink, which inotify on the file would miss);
// a file that no longer parses keeps the last good list and is reported in the log and metrics.
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { CidrSet } from './cidr-set.js';
import type { Logger } from '../core/log.js';
import { UsageError, errorMessage } from '../core/errors.js';

export const MAX_LIST_BYTES = 8 * 1024 * 1024;

/** One parsed list file. */
export interface ParsedList {
  addresses: Set<string>;
  ips: CidrSet;
  addressCount: number;
  networkCount: number;
}

/** Parse a list file; throws an Error naming the line on the first bad entry. */
export function parseList(text: string): ParsedList {
  const addresses = new Set<string>();
  const ips = new CidrSet();
  let networkCount = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const bad = (why: string) => new Error(`line ${i + 1}: ${why}`);
    if (/^0x[0-9a-fA-F]{40}$/.test(line)) {
      addresses.add(line.toLowerCase());
      return;
    }
    const slash = line.indexOf('/');
    const host = slash < 0 ? line : line.slice(0, slash);
    const family = isIP(host);
    if (family === 0) throw bad(`not an address (0x + 40 hex), IP or CIDR: ${JSON.stringify(line.slice(0, 60))}`);
    if (slash < 0) ips.add(host);
    else {
      const bits = line.slice(slash + 1);
      const max = family === 4 ? 32 : 128;
      if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) throw bad(`bad prefix length in ${JSON.stringify(line)} (0..${max})`);
      ips.add(host, Number(bits));
    }
    networkCount++;
  });
  return { addresses, ips, addressCount: addresses.size, networkCount };
}

function ipMatches(list: ParsedList, ip: string): boolean {
  return list.ips.has(ip);
}

const EMPTY: ParsedList = { addresses: new Set(), ips: new CidrSet(), addressCount: 0, networkCount: 0 };

/** A list file kept current. */
class WatchedList {
  list: ParsedList = EMPTY;
  loadedAt = 0;
  reloads = 0;
  reloadErrors = 0;
  private signature = '';

  constructor(readonly flag: string, readonly path: string) {}

  private async sig(): Promise<string> {
    const s = await stat(this.path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  }

  private async read(): Promise<{ list: ParsedList; sig: string }> {
    const sig = await this.sig();
    const text = await readFile(this.path);
    if (text.length > MAX_LIST_BYTES) throw new Error(`larger than ${MAX_LIST_BYTES} bytes`);
    return { list: parseList(text.toString('utf8')), sig };
  }

  /** First load: any problem is a usage error naming the flag. */
  async load(now: number): Promise<void> {
    try {
      const { list, sig } = await this.read();
      this.list = list;
      this.signature = sig;
      this.loadedAt = now;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`--${this.flag} ${this.path}: ${code ? `cannot read (${code})` : errorMessage(e)}`, 'E_BAD_LIST');
    }
  }

  /** Re-read when the file changed; keep the last good list when it no longer reads or parses. */
  async poll(now: number, log: Logger): Promise<void> {
    let sig: string;
    try {
      sig = await this.sig();
    } catch (e) {
      if (this.signature !== 'missing') {
        this.reloadErrors++;
        log.error({ code: 'E_LIST_RELOAD', flag: this.flag, path: this.path }, `--${this.flag}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'}); keeping the last good list`);
      }
      this.signature = 'missing';
      return;
    }
    if (sig === this.signature) return;
    try {
      const { list, sig: readSig } = await this.read();
      this.list = list;
      this.signature = readSig;
      this.loadedAt = now;
      this.reloads++;
      log.info({ flag: this.flag, path: this.path, addresses: list.addressCount, networks: list.networkCount }, 'list reloaded');
    } catch (e) {
      this.signature = sig;
      this.reloadErrors++;
      log.error({ code: 'E_LIST_RELOAD', flag: this.flag, path: this.path }, `--${this.flag}: ${errorMessage(e)}; keeping the last good list`);
    }
  }
}

export type AccessVerdict = { ok: true; allowed: boolean } | { ok: false; reason: 'address' | 'ip' };

/** The deny and allow lists together. */
export class AccessLists {
  private readonly deny?: WatchedList;
  private readonly allow?: WatchedList;
  private timer: NodeJS.Timeout | undefined;
  denied = { address: 0, ip: 0 };

  constructor(files: { denyList?: string | undefined; allowList?: string | undefined }, private readonly log: Logger, private readonly now: () => number) {
    if (files.denyList) this.deny = new WatchedList('deny-list', files.denyList);
    if (files.allowList) this.allow = new WatchedList('allow-list', files.allowList);
  }

  get enabled(): boolean {
    return Boolean(this.deny || this.allow);
  }

  /** Load both files (usage error when one is missing or malformed), then poll every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await this.deny?.load(this.now());
    await this.allow?.load(this.now());
    if (this.enabled && intervalMs > 0) {
      this.timer = setInterval(() => void this.pollNow(), intervalMs);
      this.timer.unref();
    }
  }

  /** Check both files for changes now. */
  async pollNow(): Promise<void> {
    await this.deny?.poll(this.now(), this.log);
    await this.allow?.poll(this.now(), this.log);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Whether `address` (checksummed or lowercase) requested from `ip` may receive a drip. */
  check(address: string, ip: string): AccessVerdict {
    const a = address.toLowerCase();
    const allowList = this.allow?.list;
    const addrAllowed = allowList?.addresses.has(a) ?? false;
    const ipAllowed = allowList ? ipMatches(allowList, ip) : false;
    const denyList = this.deny?.list;
    if (denyList && !addrAllowed && denyList.addresses.has(a)) {
      this.denied.address++;
      return { ok: false, reason: 'address' };
    }
    if (denyList && !ipAllowed && ipMatches(denyList, ip)) {
      this.denied.ip++;
      return { ok: false, reason: 'ip' };
    }
    return { ok: true, allowed: addrAllowed };
  }

  /** Gauges for /metrics. */
  stats(): Array<{ list: 'deny' | 'allow'; addresses: number; networks: number; loadedAt: number; reloads: number; reloadErrors: number }> {
    const out = [];
    for (const [name, w] of [['deny', this.deny], ['allow', this.allow]] as const) {
      if (w) out.push({ list: name, addresses: w.list.addressCount, networks: w.list.networkCount, loadedAt: w.loadedAt, reloads: w.reloads, reloadErrors: w.reloadErrors });
    }
    return out;
  }
}

/** What an address holds as code: a contract, nothing, or an EIP-7702 delegation (an account a person controls). */
export function classifyCode(code: string): 'eoa' | 'contract' {
  const hex = code.toLowerCase().replace(/^0x/, '');
  if (hex === '') return 'eoa';
  // EIP-7702: 0xef0100 || 20-byte delegate: still an externally owned account
  if (/^ef0100[0-9a-f]{40}$/.test(hex)) return 'eoa';
  return 'contract';
}
