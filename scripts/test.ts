// npm test: the unit tier, then the integration files in two lanes at once, each its own vitest
// process (vitest runs every project whose files must not overlap with one worker in all, so
// the lanes could not overlap inside one process). The apiserver's lane holds every file that
// registers webhooks, installs CRDs or uses the apiserver; the node's lane the agents, storage,
// faults and cassandra-medusa interop files, which share nothing but the bed with the first.
// The bed is brought up once before the lanes (while the unit tier runs), and what this run
// started is stopped at the end (TESTBED_KEEP=1 or .testbed/keep leaves it).
//
//   npm test [-- <vitest options>]      with file filters or --project: plain `vitest run`
//
// A `--outputFile.json=<file>` option gets one report that merges the three processes' reports.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { down, parseComponents, up, type Component } from '../test/bed/bed.js';
import { repoRoot, runDir } from '../test/bed/paths.js';

const args = process.argv.slice(2);
const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
const jsonOption = '--outputFile.json=';

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTests: number;
  testResults: unknown[];
  [key: string]: unknown;
}

/** Runs vitest with `extra` arguments; resolves with its exit code. Output lines get `label`. */
function vitest(extra: string[], label: string, env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitestBin, 'run', ...extra], {
      cwd: repoRoot,
      env: { ...process.env, MEDUSA_TEST_LANES: '2', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const [stream, out] of [
      [child.stdout!, process.stdout],
      [child.stderr!, process.stderr],
    ] as const) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) out.write(label ? `[${label}] ${line}\n` : `${line}\n`);
      });
      stream.on('end', () => rest && out.write(label ? `[${label}] ${rest}\n` : `${rest}\n`));
    }
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const passthrough =
  args.some((a) => a === '--project' || a.startsWith('--project=')) || args.some((a) => !a.startsWith('-'));
if (passthrough) {
  process.exitCode = await vitest(args, '');
} else {
  const report = args.find((a) => a.startsWith(jsonOption))?.slice(jsonOption.length);
  const others = args.filter((a) => !a.startsWith(jsonOption));
  const reportOf = (part: string) => (report ? [`${jsonOption}${report}.${part}`] : []);
  const parts = ['unit', 'integration', 'integration-node'];

  // The bed starts while the unit tier runs (it is not needed there).
  const bed = up(parseComponents((process.env.TESTBED_COMPONENTS ?? '').split(',').filter(Boolean))).then(
    (started) => ({ started }),
    (error: unknown) => ({ error, started: [] as Component[] }),
  );
  const unit = await vitest(['--project', 'unit', ...others, ...reportOf('unit')], 'unit');
  const { started, error } = await bed.then((b) => ({ error: undefined, ...b }));
  let codes = [unit];
  try {
    if (error) throw error;
    codes = [
      unit,
      ...(await Promise.all([
        vitest(['--project', 'integration', ...others, ...reportOf('integration')], 'kube'),
        vitest(['--project', 'integration-node', ...others, ...reportOf('integration-node')], 'node'),
      ])),
    ];
  } finally {
    if (process.env.TESTBED_KEEP !== '1' && !existsSync(join(runDir, 'keep'))) await down(started);
  }

  let passed = 0;
  let failed = 0;
  if (report) {
    const reports = parts
      .map((part) => `${report}.${part}`)
      .filter((file) => existsSync(file))
      .map((file) => JSON.parse(readFileSync(file, 'utf8')) as Report);
    const merged: Report = {
      ...reports[0],
      numPassedTests: 0,
      numFailedTests: 0,
      numPendingTests: 0,
      numTotalTests: 0,
      testResults: [],
    };
    for (const r of reports) {
      merged.numPassedTests += r.numPassedTests;
      merged.numFailedTests += r.numFailedTests;
      merged.numPendingTests += r.numPendingTests;
      merged.numTotalTests += r.numTotalTests;
      merged.testResults.push(...r.testResults);
    }
    merged.success = codes.every((code) => code === 0);
    writeFileSync(report, JSON.stringify(merged));
    for (const part of parts) rmSync(`${report}.${part}`, { force: true });
    passed = merged.numPassedTests;
    failed = merged.numFailedTests;
    console.log(`\nnpm test: ${passed} passed, ${failed} failed (unit, apiserver lane, node lane)`);
  }
  console.log(`npm test: exit codes unit ${codes[0]}, apiserver lane ${codes[1]}, node lane ${codes[2]}`);
  process.exitCode = codes.every((code) => code === 0) && codes.length === 3 ? 0 : 1;
}
