// Synchronous, deferred access to pino. ESM cannot `require` synchronously, and a static
// `import pino` makes every bundle initialise pino (sonic-boom, node:assert, the stderr stream)
// before a command's first line runs. esbuild bundles this require inside the function, so pino's
// code is initialised on the first log line, not at start-up (`startup` spawns luxd before that).
'use strict';
let pino;
exports.loadPino = function loadPino() {
  if (pino === undefined) pino = require('pino');
  return pino;
};
