import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { down, parseComponents, up } from './bed.js';
import { runDir } from './paths.js';

/**
 * Brings the real test bed up before the integration tier and stops what it started afterwards.
 * TESTBED_COMPONENTS limits what starts (comma-separated); TESTBED_KEEP=1, or a file
 * `.testbed/keep` present when the run ends, leaves it running (the file is for several runs at
 * once on one bed: whichever started a component must not stop it under the others).
 */
export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  const wanted = parseComponents((process.env.TESTBED_COMPONENTS ?? '').split(',').filter(Boolean));
  const started = await up(wanted);
  return async () => {
    if (process.env.TESTBED_KEEP === '1' || existsSync(join(runDir, 'keep'))) return;
    await down(started);
  };
}
