// Incremental decoder of HTTP/1.1 `Transfer-Encoding: chunked` (RFC 9112 §7.1) for raw-get.ts.
// It never keeps a reference to the input (the caller reuses its read buffer): data slices go
// straight to `deliver`, and only size lines (bounded) are copied.

const MAX_LINE = 4096;

/**
 * The bytes on the wire are not the HTTP/1.1 the reader expects (bad head, chunking or length).
 * raw-get retries these like a dropped connection; errors thrown by its sink (a failed disk write,
 * a length mismatch) are not framing problems and pass through as they are.
 */
export class FramingError extends Error {
  override readonly name = 'FramingError';
}

type State = 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer';

/** Feed raw bytes with `push`; `done` turns true after the last chunk and the trailer. */
export class ChunkedDecoder {
  private state: State = 'size';
  private line = '';
  private left = 0;
  done = false;

  /** Decode `b`; data goes to `deliver`. Throws on bad framing. */
  push(b: Buffer, deliver: (slice: Buffer) => void): void {
    let i = 0;
    while (i < b.length && !this.done) {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const nl = b.indexOf(0x0a, i);
          const end = nl === -1 ? b.length : nl;
          this.line += b.toString('latin1', i, end);
          if (this.line.length > MAX_LINE) throw new FramingError('chunked encoding: line too long');
          i = end;
          if (nl === -1) break;
          i++;
          const line = this.line.replace(/\r$/, '');
          this.line = '';
          if (this.state === 'trailer') {
            if (line === '') this.done = true;
            break;
          }
          const m = /^([0-9a-fA-F]{1,12})\s*(;.*)?$/.exec(line);
          if (!m) throw new FramingError(`chunked encoding: bad chunk size line ${JSON.stringify(line.slice(0, 40))}`);
          this.left = Number.parseInt(m[1]!, 16);
          this.state = this.left === 0 ? 'trailer' : 'data';
          break;
        }
        case 'data': {
          const n = Math.min(this.left, b.length - i);
          deliver(b.subarray(i, i + n));
          this.left -= n;
          i += n;
          if (this.left === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr':
          if (b[i] !== 0x0d) throw new FramingError('chunked encoding: missing CRLF after chunk data');
          i++;
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (b[i] !== 0x0a) throw new FramingError('chunked encoding: missing CRLF after chunk data');
          i++;
          this.state = 'size';
          break;
      }
    }
  }
}
