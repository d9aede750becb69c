import type pino from 'pino';
/** pino's default export, loaded on first call. */
export function loadPino(): typeof pino;
