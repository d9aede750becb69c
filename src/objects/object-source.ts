// `sourceFor` picks the ObjectSource implementation from the URL scheme. The interface lives in
// types.ts, which the sources import: nothing here is imported back by them.
import { createHttpSource } from './http-source.js';
import { parseS3Url } from './s3-url.js';
import type { ObjectSource, SourceOptions } from './types.js';

/**
 * S3 through a dynamic import: the build puts s3-source.ts (and the AWS SDK) in a chunk of its own,
 * so http(s) runs neither load nor compile it.
 */
function lazyS3Source(baseUrl: string, opts: SourceOptions): ObjectSource {
  const { bucket, prefix } = parseS3Url(baseUrl);
  let real: Promise<ObjectSource> | undefined;
  const load = () => (real ??= import('./s3-source.js').then((m) => m.createS3Source(baseUrl, opts)));
  return {
    describe: (name) => `s3://${bucket}/${prefix ? `${prefix}/` : ''}${name}`,
    head: async (name, signal) => (await load()).head(name, signal),
    get: async (name, start, signal, o) => (await load()).get(name, start, signal, o),
    async close() {
      if (real) await (await real).close();
    },
  };
}

/** The source for a base URL: `s3://bucket/prefix` or `http(s)://host/path`. */
export function sourceFor(baseUrl: string, opts: SourceOptions): ObjectSource {
  if (baseUrl.startsWith('s3://')) return lazyS3Source(baseUrl, opts);
  return createHttpSource(baseUrl);
}

/**
 * Split a URL into its directory base and last path segment (`restore-snapshot --url`); a query
 * (a presigned URL's signature, which may contain '/') stays with the name.
 */
export function splitObjectUrl(url: string): { base: string; name: string } {
  const q = url.search(/[?#]/);
  const cut = (q === -1 ? url : url.slice(0, q)).lastIndexOf('/');
  return { base: url.slice(0, cut), name: url.slice(cut + 1) };
}
