import type { TestProject } from 'vitest/node';
import { down, parseComponents, up } from './bed.js';

/**
 * Brings the real test bed up before the integration tier and stops what it started afterwards.
 * TESTBED_COMPONENTS limits what starts (comma-separated); TESTBED_KEEP=1 leaves it running.
 */
export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  const wanted = parseComponents((process.env.TESTBED_COMPONENTS ?? '').split(',').filter(Boolean));
  const started = await up(wanted);
  return async () => {
    if (process.env.TESTBED_KEEP === '1') return;
    await down(started);
  };
}
