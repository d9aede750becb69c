// Utility name -> command. The order here is the order of `luxops --help`.
// Entries are lazy: only the command that runs is evaluated (see lazyCommand). build.mjs reads the
// dynamic-import-then-pick-the-xyzCommand-export calls below to make one bundle per utility
// (dist/bin/xyz.cjs), so keep exactly their form. test/registry.test.ts checks every summary here
// against the loaded command's own.
import { lazyCommand } from './core/lazy-command.js';
import type { Command } from './core/command.js';

export const commands: readonly Command[] = [
  lazyCommand(
    { name: 'startup', summary: 'Run luxd as a supervised child (or attach to it): signals, exit codes, health wait, chain aliases, RLP import, readiness', handlesSignals: true },
    () => import('./startup/command.js').then((m) => m.startupCommand),
  ),
  lazyCommand(
    { name: 'rlp-import', summary: 'Download a multi-part C-chain RLP export (resumable, verified) and import it into luxd' },
    () => import('./rlp-import/command.js').then((m) => m.rlpImportCommand),
  ),
  lazyCommand(
    { name: 'restore-snapshot', summary: 'Stream a .tar/.tar.gz/.tar.zst snapshot into the data dir (resumable, parallel ranges, safe extraction, sha256, marker)' },
    () => import('./snapshot/restore-command.js').then((m) => m.restoreSnapshotCommand),
  ),
  lazyCommand(
    { name: 'snapshot-create', summary: 'Stream a .tar.gz/.tar.zst of a stopped node\'s data dir to S3 or an HTTP PUT, with <name>.sha256 (what restore-snapshot restores)' },
    () => import('./snapshot/create-command.js').then((m) => m.snapshotCreateCommand),
  ),
  lazyCommand(
    { name: 'key-downloader', summary: 'Download the TLS staking key + certificate from S3 (KMS envelope), verify the NodeID, write them safely' },
    () => import('./key-downloader/command.js').then((m) => m.keyDownloaderCommand),
  ),
  lazyCommand(
    { name: 'signer-downloader', summary: 'Download the BLS signer key from S3 (KMS envelope), verify it, derive public key + proof of possession, write it safely' },
    () => import('./signer-downloader/command.js').then((m) => m.signerDownloaderCommand),
  ),
  lazyCommand(
    { name: 'key-uploader', summary: 'Seal local TLS staking key/cert and/or BLS signer key with KMS into the avalanche-ops envelope and upload to S3' },
    () => import('./key-downloader/uploader-command.js').then((m) => m.keyUploaderCommand),
  ),
  lazyCommand(
    { name: 'faucet', summary: 'Devnet token faucet: /drip, /health, a web page and /metrics, with per-IP and per-address limits' },
    () => import('./faucet/command.js').then((m) => m.faucetCommand),
  ),
  lazyCommand(
    { name: 'install', summary: 'Copy this executable into DIR (0755, atomic) and link every command name to it' },
    () => import('./install/command.js').then((m) => m.installCommand),
  ),
];
