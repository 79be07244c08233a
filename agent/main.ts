#!/usr/bin/env node
// medusa-agent: the node agent, as a standalone CLI reading a medusa.ini-compatible file.
import { hideBin } from 'yargs/helpers';
import { buildCli, exitCodes, type CliIo } from './cli/cli.js';

const io: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  exit: (code) => {
    process.exitCode = code;
  },
};

await buildCli(hideBin(process.argv), io)
  .fail((message, error) => {
    if (error) throw error;
    process.stderr.write(`error: ${message}\n\nrun medusa-agent --help for usage\n`);
    process.exit(exitCodes.usage);
  })
  .parseAsync();
