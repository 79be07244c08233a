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

// In the medusa-restore init container the image runs the agent with no command and MEDUSA_MODE=RESTORE.
const args = hideBin(process.argv);
if (args.length === 0 && process.env.MEDUSA_MODE === 'RESTORE') args.push('k8s-restore');

await buildCli(args, io)
  .fail((message, error) => {
    if (error) throw error;
    process.stderr.write(`error: ${message}\n\nrun medusa-agent --help for usage\n`);
    process.exit(exitCodes.usage);
  })
  .parseAsync();
