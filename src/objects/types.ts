// The one interface the downloaders (rlp-import's parts, restore-snapshot's archive) read through,
// so http(s) and s3 objects share all the resume/retry/assembly logic. Types only: the sources
// (http-source.ts, s3-source.ts) implement them without importing object-source.ts, whose
// `sourceFor` picks one of them.
import type { Logger } from 'pino';

/** What a HEAD says about an object. */
export interface RemoteObject {
  /** bytes; undefined when the server sends no Content-Length */
  readonly size: number | undefined;
  readonly acceptRanges: boolean;
  readonly etag?: string;
  readonly lastModified?: string;
}

/** What a GET's response head says: where the body starts, how long it is, which version it is. */
export interface BodyInfo {
  /** a partial answer (206) to a Range request; false: the whole object (200) */
  readonly partial: boolean;
  /** the body starts at this byte of the object (0 when a Range was ignored; a 206 says where) */
  readonly from: number;
  /** bytes the server says the body has */
  readonly length: number | undefined;
  /** the whole object's size: a 206's Content-Range total, or a 200's length */
  readonly total?: number | undefined;
  /** validators of the version served: a resumed body must come from the same version */
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

/** A GET in flight. */
export interface RemoteBody extends BodyInfo {
  readonly body: AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => unknown };
}

/** What part of the object a GET asks for, and how long the body may stay silent. */
export interface GetOptions {
  /** exclusive end of the range; default: to the end of the object */
  readonly end?: number;
  /** silence on the connection before the attempt counts as stalled (default 60 s) */
  readonly stallTimeoutMs?: number;
  /** fetchInto sets `resume`: a sink whose `data` returned false calls it to read on */
  readonly control?: { resume?: () => void };
}

/** Push-style receiver of a ranged GET (the fast path): `head` first, then `data` slices. */
export interface FetchSink {
  /** throws to refuse the body (status, length mismatch) */
  head(info: BodyInfo): void;
  /** the slice is only valid during the call: the sink writes (or copies) it before returning;
   *  false pauses reading until `GetOptions.control.resume()` */
  data(slice: Buffer): void | boolean;
}

/** Objects addressed by name under one base (URL prefix or bucket/prefix). */
export interface ObjectSource {
  /** the object's full URL, for messages and logs */
  describe(name: string): string;
  /** undefined when the object does not exist (404) */
  head(name: string, signal: AbortSignal): Promise<RemoteObject | undefined>;
  /** read from byte `start` to the end (or `opts.end`); the body iterator owns the chunks it yields */
  get(name: string, start: number, signal: AbortSignal, opts?: GetOptions): Promise<RemoteBody>;
  /** optional low-copy path for bulk data: read from `start` into `sink`, which writes each slice before returning */
  fetchInto?(name: string, start: number, signal: AbortSignal, sink: FetchSink, opts?: GetOptions): Promise<void>;
  close(): Promise<void>;
}

export interface SourceOptions {
  readonly s3Endpoint?: string | undefined;
  readonly s3Region?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
}
