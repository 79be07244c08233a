#!/usr/bin/env node
// medusa-agent: the node agent. In a pod, `sidecar` (the medusa container) and `restore` (the
// medusa-restore init container, also with no command and MEDUSA_MODE=RESTORE as k8ssandra's image
// runs it); elsewhere, a standalone CLI reading a medusa.ini-compatible file.
import { hideBin } from 'yargs/helpers';
import { buildCli, exitCodes, type CliIo } from './cli/cli.js';

const args = hideBin(process.argv);
const podMode =
  args[0] === 'sidecar' || args[0] === 'restore'
    ? args[0]
    : args.length === 0 && process.env.MEDUSA_MODE === 'RESTORE'
      ? 'restore'
      : undefined;

if (podMode) {
  const { runPodMode } = await import('./pod/main.js');
  process.exitCode = await runPodMode(podMode).catch((error: unknown) => {
    process.stderr.write(`medusa-agent ${podMode}: ${(error as Error).message}\n`);
    return 1;
  });
} else {
  const io: CliIo = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    exit: (code) => {
      process.exitCode = code;
    },
  };
  await buildCli(args, io)
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`error: ${message}\n\nrun medusa-agent --help for usage\n`);
      process.exit(exitCodes.usage);
    })
    .parseAsync();
}
