// Runs one command: builds the IO, maps errors to messages and exit codes.
import type { GlobalArgs } from './args.js';
import { exitCodes, isMedusaError } from './errors.js';
import { createIo, type Io } from './io.js';

export async function run(args: GlobalArgs, body: (io: Io) => Promise<number | void>): Promise<void> {
  const io = createIo(args.color ?? 'auto');
  try {
    const code = await body(io);
    process.exitCode = code ?? exitCodes.ok;
  } catch (error) {
    if (isMedusaError(error)) {
      io.err(io.color.red(`error: ${error.message}`));
      if (error.hint) io.err(io.color.yellow(`hint: ${error.hint}`));
      if (args.debug && error.cause) io.err(String((error.cause as Error).stack ?? error.cause));
      process.exitCode = error.exitCode;
    } else {
      io.err(io.color.red(`error: ${(error as Error).message ?? String(error)}`));
      if (args.debug) io.err(String((error as Error).stack));
      process.exitCode = exitCodes.failed;
    }
  }
}
