// How tests start the node agent (medusa-agent): from a bundle of the
// current sources made with esbuild (code-split, packages left to node_modules), not through tsx.
// tsx resolves and transforms every module at each start, about 1.5 s of CPU on this machine; the
// suite starts the agent hundreds of times. The bundle is keyed by a hash of the sources, so an
// edit makes a new one, and written under a temporary name so a concurrent run never sees half.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { repoRoot } from '../bed/paths.js';

// The plugin is not bundled: it imports its commands by computed paths, which a bundle cannot follow.
export type Entry = 'agent' | 'webhook';

/** The folders whose TypeScript the entry points are built from. */
const sourceDirs = ['agent', 'controller', 'crds', 'lib', 'plugin', 'webhook'];
/** Inside node_modules, so that the bundles' bare imports resolve to the repository's packages. */
const bundlesDir = join(repoRoot, 'node_modules', '.cache', 'medusa-test-bundles');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

let sourceKey: string | undefined;

/** A hash of every source file, computed once per process (sources do not change under a test). */
function currentSourceKey(): string {
  if (sourceKey) return sourceKey;
  const hash = createHash('sha256');
  for (const file of sourceDirs.flatMap((dir) => sourceFiles(join(repoRoot, dir))).sort()) {
    hash.update(`${relative(repoRoot, file)}\0`);
    hash.update(readFileSync(file));
  }
  sourceKey = hash.digest('hex').slice(0, 16);
  return sourceKey;
}

/** The main module of `entry` bundled from the current sources (built on first use). */
export function bundledEntry(entry: Entry): string {
  const dir = join(bundlesDir, `${entry}-${currentSourceKey()}`);
  const main = join(dir, 'main.js');
  if (existsSync(main)) return main;
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  buildSync({
    entryPoints: [join(repoRoot, entry, 'main.ts')],
    bundle: true,
    // Split, so that what a command imports lazily (the Kubernetes client for pod modes) stays lazy.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    outdir: partial,
    logLevel: 'error',
  });
  try {
    renameSync(partial, dir);
  } catch {
    // Another process built the same sources first: theirs is used.
    rmSync(partial, { recursive: true, force: true });
  }
  return main;
}

/** Node's arguments that run `entry` (before the entry's own arguments). */
export const entryArgs = (entry: Entry): string[] => [bundledEntry(entry)];

/** Whether a process argument is the agent's entry point (the bundle, or the source through tsx). */
export const isAgentEntry = (arg: string): boolean =>
  arg.endsWith('agent/main.ts') || /medusa-test-bundles\/agent-[0-9a-f]+\/main\.js$/.test(arg);
