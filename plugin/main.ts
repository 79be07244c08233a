#!/usr/bin/env node
// kubectl-medusa: installed on PATH, it is run by `kubectl medusa ...`.
import { hideBin } from 'yargs/helpers';
import { buildCli } from './cli.js';
import { exitCodes } from './errors.js';

await buildCli(hideBin(process.argv))
  .fail((message, error, y) => {
    if (error) throw error;
    process.stderr.write(`error: ${message}\n\n`);
    process.stderr.write('run kubectl medusa --help for usage\n');
    void y;
    process.exit(exitCodes.usage);
  })
  .parseAsync();
