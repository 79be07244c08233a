import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from './render.js';

// `tsx crds/generate.ts` writes the CRD YAML; `--check` exits 1 when the committed YAML drifted.
// `--dir <path>` works on another folder (tests).
const args = process.argv.slice(2);
const dirArg = args.indexOf('--dir');
const crdDir = (dirArg >= 0 ? args[dirArg + 1] : undefined) ?? dirname(fileURLToPath(import.meta.url));
const check = args.includes('--check');
const files = renderCrdFiles();

/** YAML files in crds/ that the generator no longer produces (a removed kind). */
const stale = readdirSync(crdDir).filter((f) => f.endsWith('.yaml') && !files.has(f));

const drifted: string[] = [...stale];
for (const [name, content] of files) {
  const path = join(crdDir, name);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === content) continue;
  drifted.push(name);
  if (!check) writeFileSync(path, content);
}
if (!check) for (const name of stale) unlinkSync(join(crdDir, name));

if (check && drifted.length > 0) {
  console.error(`CRDs out of date with crds/schemas: ${drifted.join(', ')}. Run \`npm run crds:generate\`.`);
  process.exit(1);
}
console.log(check ? 'CRDs up to date.' : `Wrote ${drifted.length} file(s) in crds/.`);
