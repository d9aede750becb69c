// A synchronous, push-style tar reader (POSIX ustar, GNU long names/links, pax path/linkpath/size,
// base-256 sizes). tar-stream (still used to build archives in tests) cannot say whether an archive
// ended properly: it skips zero blocks and accepts input that stops between two entries, so an
// empty or cut archive "restored" fine. This reader knows where it is: `finish()` fails unless the
// end-of-archive blocks were seen, naming the entry and the bytes missing when input stops inside
// one. Bodies are handed out as slices of the input (no copies, no streams per entry).

/** The input is not a well-formed tar archive (or ends early). */
export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

export type TarType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file' | `unsupported type ${string}`;

export interface TarHeader {
  readonly name: string;
  readonly type: TarType;
  readonly size: number;
  readonly mode: number;
  readonly linkname: string;
}

/** Receives entries in archive order; `data` slices are only valid during the call. */
export interface TarHandler {
  entry(header: TarHeader): void;
  data(slice: Buffer): void;
  endEntry(): void;
}

const BLOCK = 512;
/** pax headers and GNU long names are kept in memory: a sane bound */
const MAX_META = 1 << 20;
const TYPES: Record<string, TarType> = { '0': 'file', '\0': 'file', '1': 'link', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo', '7': 'contiguous-file' };

function str(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

function num(b: Buffer, off: number, len: number, what: string): number {
  if (b[off]! & 0x80) {
    // GNU base-256: big-endian after the marker bit; negative values are never valid here
    if (b[off] === 0xff) throw new TarFormatError(`negative ${what} in a tar header`);
    let n = b[off]! & 0x7f;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + b[i]!;
    if (!Number.isSafeInteger(n)) throw new TarFormatError(`${what} in a tar header is too large`);
    return n;
  }
  const text = b.toString('latin1', off, off + len).replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`bad ${what} ${JSON.stringify(text)} in a tar header`);
  return parseInt(text, 8);
}

function checksumOk(b: Buffer): boolean {
  const stored = num(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    const len = sp === -1 ? NaN : Number(buf.toString('latin1', i, sp));
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > buf.length) throw new TarFormatError('bad pax extended header record');
    const rec = buf.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Feed archive bytes with `push`; call `finish` at the end of the input. */
export class TarReader {
  private readonly block = Buffer.alloc(BLOCK);
  private fill = 0;
  /** body bytes of the current entry still due, then padding to the block */
  private left = 0;
  private pad = 0;
  private current: TarHeader | undefined;
  private meta: { kind: string; parts: Buffer[]; size: number } | undefined;
  private pax: Record<string, string> = {};
  private globalPax: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  private zeroBlocks = 0;
  /** bytes of archive consumed */
  position = 0;
  /** the end-of-archive marker (two zero blocks) was read */
  ended = false;
  entries = 0;

  constructor(private readonly handler: TarHandler) {}

  push(b: Buffer): void {
    let i = 0;
    while (i < b.length) {
      if (this.ended) {
        // what follows the end marker (the record's zero padding) is not read, like tar
        this.position += b.length - i;
        return;
      }
      if (this.left > 0) {
        const n = Math.min(this.left, b.length - i);
        const slice = b.subarray(i, i + n);
        if (this.meta) this.meta.parts.push(Buffer.from(slice));
        else this.handler.data(slice);
        this.left -= n;
        i += n;
        this.position += n;
        if (this.left === 0) this.endBody();
        continue;
      }
      if (this.pad > 0) {
        const n = Math.min(this.pad, b.length - i);
        this.pad -= n;
        i += n;
        this.position += n;
        continue;
      }
      const n = Math.min(BLOCK - this.fill, b.length - i);
      b.copy(this.block, this.fill, i, i + n);
      this.fill += n;
      i += n;
      this.position += n;
      if (this.fill === BLOCK) {
        this.fill = 0;
        this.header();
      }
    }
  }

  /** The input ended: throws unless the archive ended properly. */
  finish(): void {
    if (this.ended) return;
    if (this.current && this.left > 0) {
      const got = this.current.size - this.left;
      throw new TarFormatError(`the archive ends inside entry ${JSON.stringify(this.current.name)}: ${got} of its ${this.current.size} bytes arrived (truncated archive)`);
    }
    if (this.meta || this.fill > 0) throw new TarFormatError(`the archive ends inside a tar header at byte ${this.position} (truncated archive)`);
    throw new TarFormatError(this.position === 0 ? 'the archive is empty (0 bytes)' : `the archive has no end-of-archive marker after ${this.entries} entries (${this.position} bytes): it was cut short`);
  }

  private endBody(): void {
    this.pad = (BLOCK - (this.size() % BLOCK)) % BLOCK;
    if (this.meta) {
      const buf = Buffer.concat(this.meta.parts);
      const kind = this.meta.kind;
      this.meta = undefined;
      if (kind === 'L') this.longName = str(buf, 0, buf.length);
      else if (kind === 'K') this.longLink = str(buf, 0, buf.length);
      else if (kind === 'x') this.pax = { ...this.pax, ...parsePax(buf) };
      else this.globalPax = { ...this.globalPax, ...parsePax(buf) };
      return;
    }
    this.current = undefined;
    this.handler.endEntry();
  }

  private size(): number {
    return this.meta ? this.meta.size : (this.current?.size ?? 0);
  }

  private header(): void {
    const b = this.block;
    if (b.every((v) => v === 0)) {
      if (++this.zeroBlocks === 2) this.ended = true;
      return;
    }
    // a lone zero block inside an archive is skipped, as GNU tar does (with a warning)
    this.zeroBlocks = 0;
    if (!checksumOk(b)) throw new TarFormatError(`bad tar header checksum at byte ${this.position - BLOCK} (not a tar archive, or corrupt)`);
    const flag = String.fromCharCode(b[156]!);
    const size = num(b, 124, 12, 'size');
    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      if (size > MAX_META) throw new TarFormatError(`tar extended header of ${size} bytes (more than 1 MiB)`);
      this.meta = { kind: flag, parts: [], size };
      this.left = size;
      if (size === 0) this.endBody();
      return;
    }
    const pax = { ...this.globalPax, ...this.pax };
    this.pax = {};
    if (Object.keys(pax).some((k) => k.startsWith('GNU.sparse.'))) throw new TarFormatError('sparse files in the archive are not supported');
    let name = str(b, 0, 100);
    // POSIX ustar keeps long names' leading part in `prefix` (GNU's own magic uses the field otherwise)
    if (b.toString('latin1', 257, 263) === 'ustar\0') {
      const prefix = str(b, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    name = pax.path ?? this.longName ?? name;
    const linkname = pax.linkpath ?? this.longLink ?? str(b, 157, 100);
    this.longName = this.longLink = undefined;
    let type: TarType = TYPES[flag] ?? `unsupported type ${JSON.stringify(flag)}`;
    // old (v7) archives mark directories only by the trailing slash
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    let bodySize = size;
    if (pax.size !== undefined) {
      if (!/^\d+$/.test(pax.size) || !Number.isSafeInteger(Number(pax.size))) throw new TarFormatError(`bad pax size ${JSON.stringify(pax.size)}`);
      bodySize = Number(pax.size);
    }
    // a directory's size field says nothing about a body (tar-stream and GNU tar agree)
    if (type === 'directory') bodySize = 0;
    this.current = { name, type, size: bodySize, mode: num(b, 100, 8, 'mode'), linkname };
    this.entries++;
    this.handler.entry(this.current);
    this.left = bodySize;
    if (bodySize === 0) this.endBody();
  }
}
