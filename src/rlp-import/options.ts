// rlp-import's option table. `startup` re-exports it under the `rlp-` prefix (prefixOptions), so
// this table is the single source of truth for both commands.
import type { OptionDef, ConfigOf } from '../core/options.js';

export const rlpImportOptions = [
  { name: 'base-url', type: 'url', schemes: ['http', 'https', 's3'], required: true, help: 'where the export lives: http(s)://host/path or s3://bucket/prefix' },
  { name: 'file', type: 'string', required: true, metavar: 'NAME', help: 'export file name, e.g. lux-mainnet-96369.rlp (may end in .gz)' },
  { name: 'parts', type: 'list', metavar: 'aa,ab,...|auto', help: 'part suffixes in order; empty = one object <base-url>/<file>; auto = probe aa, ab, ... until the first 404' },
  { name: 'part-name-template', type: 'string', default: '{file}.{part}', help: 'object name of a part' },
  { name: 's3-endpoint', type: 'url', help: 'S3-compatible endpoint for s3:// URLs' },
  { name: 's3-region', type: 'string', default: 'us-east-1', help: 'region for s3:// URLs' },
  { name: 'dest-dir', type: 'string', default: '/data/import', metavar: 'DIR', help: 'directory of the assembled file <dest-dir>/<file>' },
  { name: 'node-path', type: 'string', metavar: 'PATH', help: 'path of the assembled file as luxd sees it (default: the same path)' },
  { name: 'concurrency', type: 'int', default: '4', min: 1, max: 64, help: 'parts downloaded at once' },
  { name: 'retries', type: 'int', default: '8', min: 0, max: 100, help: 'retries per part' },
  { name: 'retry-delay', type: 'duration', default: '1s', min: 0, max: 300_000, help: 'first pause before retrying a part (doubles per retry, capped at 30s)' },
  { name: 'sha256', type: 'string', metavar: 'HEX', help: 'expected sha256 of the whole file' },
  { name: 'checksums-url', type: 'url', schemes: ['http', 'https', 's3'], help: 'sha256sum-format list covering parts and/or the whole file' },
  { name: 'allow-unverified', type: 'bool', help: 'import although neither --sha256 nor --checksums-url is set (only the RLP structure is checked)' },
  { name: 'api-url', type: 'url', default: 'http://127.0.0.1:9630', help: "luxd's HTTP API" },
  { name: 'api-prefix', type: 'enum', choices: ['auto', '/ext', '/v1'], default: 'auto', help: 'route prefix; auto probes /ext then /v1' },
  { name: 'chain', type: 'string', default: 'C', help: 'chain alias or ID to import into' },
  { name: 'wait-healthy', type: 'bool', default: 'true', help: 'wait for luxd health before importing' },
  { name: 'health-timeout', type: 'duration', default: '180s', help: 'how long to wait for health' },
  { name: 'min-height', type: 'int', default: '1', min: 0, help: 'skip everything when the chain height is already >= this (0 = never skip)' },
  { name: 'timeout', type: 'duration', default: '7200s', help: 'overall import deadline' },
  { name: 'poll-interval', type: 'duration', default: '10s', min: 10, help: 'how often the height is read and logged while the import runs' },
  { name: 'rpc-timeout', type: 'duration', default: '0s', help: 'give up waiting for the admin_importChain answer after this long and only follow the height (0 = until --timeout)' },
  { name: 'marker', type: 'string', metavar: 'PATH', help: 'done-marker (default <dest-dir>/.rlp-import.done)' },
  { name: 'keep-file', type: 'bool', help: 'keep the assembled file after a successful import' },
  { name: 'download-only', type: 'bool', help: 'download, verify and validate, but do not contact luxd or import' },
  { name: 'no-validate', type: 'bool', env: 'LUXOPS_NO_VALIDATE', help: 'skip the RLP structure scan' },
] as const satisfies readonly OptionDef[];

export type RlpImportConfig = ConfigOf<typeof rlpImportOptions>;

/**
 * Data imported into the chain should be pinned: without --sha256 or --checksums-url, anyone who can
 * change the export host (or a mutable branch behind it) chooses the blocks. The overlays in deploy/
 * always pin (a test holds them to it); on the command line an unpinned import still runs (scripts and
 * pods written before the flag existed keep working) but says so in one warning line, unless the
 * operator acknowledged it with --allow-unverified. --download-only imports nothing: no warning.
 * `prefix` is how the flags are spelled for this command (startup: "rlp-").
 */
export function unverifiedWarning(config: RlpImportConfig, prefix = ''): string | undefined {
  if (config.downloadOnly || config.allowUnverified || config.sha256 !== undefined || config.checksumsUrl !== undefined) return undefined;
  return `importing ${config.file} unverified (only its RLP structure is checked): set --${prefix}sha256 or --${prefix}checksums-url to pin it, or --${prefix}allow-unverified to accept it without this warning`;
}
