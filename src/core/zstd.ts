// zstd frames inside envelopes (avalanche-ops compresses, then encrypts). Decoding uses fzstd (pure JS,
// works in the single executable); encoding uses node:zlib's zstd when the running Node has it
// (>= 22.15) and otherwise writes a valid frame of raw blocks (RFC 8878): key files are a few KB,
// so the compression ratio does not matter, only that every zstd decoder accepts the frame.
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { LuxopsError } from './errors.js';

/** Largest plaintext we accept from one object: identity files are a few KB. */
export const MAX_DECOMPRESSED = 16 * 1024 * 1024;
const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const MAX_RAW_BLOCK = 128 * 1024;

/** Decode one or more zstd frames; any failure (or output past `limit`) is E_ZSTD. */
export function zstdDecompress(frame: Uint8Array, what = 'object', limit = MAX_DECOMPRESSED): Buffer {
  if (frame.length < 4 || MAGIC.some((b, i) => frame[i] !== b)) {
    throw new LuxopsError('E_ZSTD', `cannot decompress ${what}: not a zstd frame (bad magic number)`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    // streaming decoder: output is bounded as it grows, so a frame claiming gigabytes cannot exhaust memory
    const d = new Decompress((chunk) => {
      total += chunk.length;
      if (total > limit) throw new LuxopsError('E_ZSTD', `cannot decompress ${what}: output exceeds ${limit} bytes`);
      chunks.push(chunk.slice());
    });
    d.push(frame, true);
  } catch (e) {
    if (e instanceof LuxopsError) throw e;
    throw new LuxopsError('E_ZSTD', `cannot decompress ${what}: invalid zstd data (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  return Buffer.concat(chunks);
}

type ZstdCompressSync = (buf: Uint8Array, opts?: { params?: Record<number, number>; pledgedSrcSize?: number }) => Buffer;

/** The zlib zstd encoder of the running Node, or undefined on Node < 22.15. */
export function nativeZstdCompress(): ZstdCompressSync | undefined {
  const fn = (zlib as unknown as { zstdCompressSync?: ZstdCompressSync }).zstdCompressSync;
  return typeof fn === 'function' ? fn : undefined;
}

/** Encode `data` as one zstd frame (native when available, else raw blocks; `null` forces raw). */
export function zstdCompress(data: Uint8Array, encoder?: ZstdCompressSync | null): Buffer {
  const native = encoder === null ? undefined : (encoder ?? nativeZstdCompress());
  if (native) {
    const c = (zlib as unknown as { constants: Record<string, number> }).constants;
    const params: Record<number, number> = {};
    if (c.ZSTD_c_compressionLevel !== undefined) params[c.ZSTD_c_compressionLevel] = 3;
    if (c.ZSTD_c_contentSizeFlag !== undefined) params[c.ZSTD_c_contentSizeFlag] = 1;
    return native(data, { params, pledgedSrcSize: data.length });
  }
  return zstdRawFrame(data);
}

/** A zstd frame of raw (stored) blocks: magic, single-segment header with content size, blocks. */
export function zstdRawFrame(data: Uint8Array): Buffer {
  const n = data.length;
  // Frame_Header_Descriptor: Single_Segment_flag (bit 5) + FCS_Field_Size (bits 7-6); no checksum, no dictionary
  let header: Buffer;
  if (n < 256) {
    header = Buffer.from([0x20, n]);
  } else if (n < 65536 + 256) {
    header = Buffer.alloc(3);
    header[0] = 0x60;
    header.writeUInt16LE(n - 256, 1); // the 2-byte field stores size - 256
  } else if (n <= 0xffffffff) {
    header = Buffer.alloc(5);
    header[0] = 0xa0;
    header.writeUInt32LE(n, 1);
  } else {
    throw new LuxopsError('E_ZSTD', `cannot compress ${n} bytes into one raw zstd frame`);
  }
  const parts: Buffer[] = [Buffer.from(MAGIC), header];
  let off = 0;
  do {
    const size = Math.min(MAX_RAW_BLOCK, n - off);
    const last = off + size >= n ? 1 : 0;
    // Block_Header (3 bytes LE): Last_Block bit 0, Block_Type bits 1-2 (0 = Raw), Block_Size bits 3-23
    const bh = (size << 3) | last;
    parts.push(Buffer.from([bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff]));
    parts.push(Buffer.from(data.subarray(off, off + size)));
    off += size;
  } while (off < n);
  return Buffer.concat(parts);
}
