#!/usr/bin/env node
import { errorMessage } from '../errors.js';
import { processIo } from './cli-io.js';
import { main } from './dispatch.js';

main(process.argv.slice(2), processIo()).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`uprez: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
