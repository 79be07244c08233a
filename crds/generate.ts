import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChartCrdFiles, renderCrdFiles } from './render.js';

// `tsx crds/generate.ts` writes the CRD YAML into crds/ and into the Helm chart's crds/
// (charts/kubectl-medusa/crds); `--check` exits 1 when either committed copy drifted.
// `--dir <path>` and `--chart-dir <path>` work on other folders (tests): only those named are used.
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const crdDir = dirname(fileURLToPath(import.meta.url));
const check = args.includes('--check');
const dirArg = option('--dir');
const chartDirArg = option('--chart-dir');
const targets: { dir: string; files: Map<string, string> }[] = [];
if (dirArg !== undefined || chartDirArg === undefined)
  targets.push({ dir: dirArg ?? crdDir, files: renderCrdFiles() });
if (chartDirArg !== undefined || dirArg === undefined)
  targets.push({
    dir: chartDirArg ?? join(crdDir, '..', 'charts', 'kubectl-medusa', 'crds'),
    files: renderChartCrdFiles(),
  });

const drifted: string[] = [];
for (const { dir, files } of targets) {
  if (!check) mkdirSync(dir, { recursive: true });
  /** YAML files the generator no longer produces (a removed kind). */
  const stale = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml') && !files.has(f)) : [];
  drifted.push(...stale.map((name) => join(dir, name)));
  for (const [name, content] of files) {
    const path = join(dir, name);
    if (existsSync(path) && readFileSync(path, 'utf8') === content) continue;
    drifted.push(path);
    if (!check) writeFileSync(path, content);
  }
  if (!check) for (const name of stale) unlinkSync(join(dir, name));
}

if (check && drifted.length > 0) {
  console.error(`CRDs out of date with crds/schemas: ${drifted.join(', ')}. Run \`npm run crds:generate\`.`);
  process.exit(1);
}
console.log(
  check
    ? 'CRDs up to date.'
    : `Wrote ${drifted.length} file(s) in ${targets.map((t) => t.dir).join(' and ')}.`,
);
