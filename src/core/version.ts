// The release version, set by build.mjs (esbuild `define`) in every bundle and chunk; running from
// source (tests through tsx) it reads 0.0.0-dev. Core code that reports the version (metrics'
// luxops_build_info) reads it here, so a chunk does not depend on the entry for it.
declare const __LUXOPS_VERSION__: string | undefined;

/** package.json's version in a build, 0.0.0-dev from source. */
export const VERSION: string = typeof __LUXOPS_VERSION__ === 'string' ? __LUXOPS_VERSION__ : '0.0.0-dev';
