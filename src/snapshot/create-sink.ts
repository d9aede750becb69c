// Which sink snapshot-create writes through, from `--to`. Apart from sink.ts (the interface the
// sinks implement and import) so that no sink imports the module that loads it.
import type { SinkOptions, SnapshotSink } from './sink.js';

/** The sink for `--to` (the S3 one is loaded only for s3:// targets: it pulls in the AWS SDK). */
export async function createSink(to: string, o: SinkOptions): Promise<SnapshotSink> {
  if (to.startsWith('s3://')) return (await import('./s3-sink.js')).createS3Sink(to, o);
  return (await import('./http-sink.js')).createHttpSink(to, o);
}
