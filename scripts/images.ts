// npm run images: builds the product image from ./Containerfile without a registry, on this
// machine's packages only. The base (Debian bookworm minbase from Debian's mirror, Node 22 from
// the npm `node` package, npm from the npm registry, user 1000 as in the official node image) is
// made with mmdebstrap; the image is built with podman (buildah underneath). Both are written as
// OCI archives into the test bed's cache, keyed by a hash of their inputs: a warm run builds
// nothing, and the image is loaded into local container storage as localhost/kubectl-medusa:dev.
//
//   npm run images [-- --print]   (--print: only print the archive path, building if needed)
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cacheDir, repoRoot } from '../test/bed/paths.js';

const debianSuite = 'bookworm';
const debianMirror = process.env.MEDUSA_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const basePackages = ['ca-certificates'];
const npmVersion = '10.9.8';
/** Folders whose sources the image holds (the Containerfile copies exactly these). */
const sourceDirs = ['agent', 'controller', 'crds', 'lib', 'plugin', 'webhook'];
const imageInputs = [
  'Containerfile',
  '.containerignore',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];
export const imageName = 'localhost/kubectl-medusa';
const imagesDir = join(cacheDir, 'images');
const hostCaBundle = [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find(
  (path) => path && existsSync(path),
);
const nodeBinary = join(repoRoot, 'node_modules', 'node', 'bin', 'node');

const quiet = process.argv.includes('--print');
const log = (message: string) => {
  if (!quiet) console.error(`[images ${new Date().toISOString().slice(11, 19)}] ${message}`);
};

function run(command: string, args: string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.slice(0, 3).join(' ')} ... exited ${result.status}:\n${tail}`);
  }
  return result.stdout;
}

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** podman and mmdebstrap from Debian's packages, installed when missing (the bed runs as root). */
function ensureTools(): void {
  const missing = [
    ['podman', 'podman'],
    ['mmdebstrap', 'mmdebstrap'],
    ['runc', 'runc'],
  ].filter(([command]) => !has(command!));
  if (missing.length === 0) return;
  log(`installing ${missing.map(([, p]) => p).join(', ')} from Debian's packages`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing.map(([, p]) => p!), 'uidmap']);
}

function hashFiles(hash: ReturnType<typeof createHash>, paths: string[]): void {
  for (const path of paths.sort()) {
    hash.update(`${relative(repoRoot, path)}\0`);
    hash.update(readFileSync(path));
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.isFile() && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function baseKey(): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ debianSuite, basePackages, npmVersion, recipe: 2 }));
  hash.update(execFileSync(nodeBinary, ['--version']));
  return hash.digest('hex').slice(0, 16);
}

function imageKey(base: string): string {
  const hash = createHash('sha256');
  hash.update(base);
  hashFiles(
    hash,
    imageInputs.map((f) => join(repoRoot, f)),
  );
  hashFiles(
    hash,
    sourceDirs.flatMap((d) => sourceFiles(join(repoRoot, d))),
  );
  return hash.digest('hex').slice(0, 16);
}

/**
 * podman's flags for running a container on this machine: runc (crun refuses its hybrid cgroups),
 * cgroupfs, and rlimits no higher than ours (root here lacks CAP_SYS_RESOURCE to raise them).
 */
export function podmanRunFlags(subcommand: 'run' | 'create'): string[] {
  return [
    '--runtime',
    'runc',
    '--cgroup-manager',
    'cgroupfs',
    subcommand,
    '--ulimit',
    'nofile=4096:4096',
    '--ulimit',
    'nproc=4096:4096',
  ];
}

const imageExists = (ref: string) => spawnSync('podman', ['image', 'exists', ref]).status === 0;

/** Writes `path` through a temporary name, so an interrupted build never leaves a usable archive. */
function buildInto(path: string, build: (partial: string) => void): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const partial = `${path}.partial`;
  rmSync(partial, { force: true });
  build(partial);
  renameSync(partial, path);
}

function buildBase(key: string): string {
  const archive = join(imagesDir, `base-${key}.tar`);
  const ref = `localhost/kubectl-medusa-base:${key}`;
  if (!existsSync(archive)) {
    log(
      `building the base (Debian ${debianSuite} minbase, Node ${execFileSync(nodeBinary, ['--version']).toString().trim()}, npm ${npmVersion})`,
    );
    const work = mkdtempSync(join(tmpdir(), 'medusa-base-'));
    try {
      run('npm', ['pack', `npm@${npmVersion}`, '--pack-destination', work, '--silent']);
      const npmDir = join(work, 'npm');
      mkdirSync(npmDir);
      run('tar', ['-xzf', join(work, `npm-${npmVersion}.tgz`), '-C', npmDir, '--strip-components=1']);
      buildInto(archive, (partial) =>
        run('mmdebstrap', [
          '--variant=minbase',
          `--include=${basePackages.join(',')}`,
          '--format=tar',
          '--customize-hook=chroot "$1" useradd --uid 1000 --create-home --shell /bin/sh node',
          `--customize-hook=copy-in ${nodeBinary} /usr/local/bin`,
          '--customize-hook=mkdir -p "$1"/usr/local/lib/node_modules/npm',
          `--customize-hook=sync-in ${npmDir} /usr/local/lib/node_modules/npm`,
          '--customize-hook=ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1"/usr/local/bin/npm',
          '--customize-hook=ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1"/usr/local/bin/npx',
          '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/*',
          debianSuite,
          partial,
          debianMirror,
        ]),
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (!imageExists(ref)) {
    log(`importing the base as ${ref}`);
    run('podman', ['import', '--change', 'ENV PATH=/usr/local/bin:/usr/bin:/bin', archive, ref]);
  }
  return ref;
}

/** Product archives kept in the cache: this build's and the two before it (another clone or a run in
 * progress may still import one of those); older ones and their podman images are removed, since
 * every source edit makes a new 130 MB archive. */
const keptProductArchives = 3;

function pruneOldProductImages(): void {
  const archives = readdirSync(imagesDir)
    .filter((name) => /^kubectl-medusa-[0-9a-f]+\.oci\.tar$/.test(name))
    .map((name) => ({ name, mtime: statSync(join(imagesDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { name } of archives.slice(keptProductArchives)) {
    const key = /^kubectl-medusa-([0-9a-f]+)\.oci\.tar$/.exec(name)![1]!;
    rmSync(join(imagesDir, name), { force: true });
    spawnSync('podman', ['rmi', '--ignore', `${imageName}:${key}`]);
    log(`removed an old image: ${name}`);
  }
}

/** Builds (or finds) the product image; returns its OCI archive. */
export function buildImages(): { archive: string; ref: string } {
  ensureTools();
  const base = buildBase(baseKey());
  const key = imageKey(base);
  const archive = join(imagesDir, `kubectl-medusa-${key}.oci.tar`);
  const ref = `${imageName}:${key}`;
  if (!existsSync(archive)) {
    log(`building ${ref} from Containerfile on ${base}`);
    const started = Date.now();
    run('podman', [
      'build',
      '--network=host',
      // chroot isolation: RUN steps need no OCI runtime or cgroup setup (this machine's cgroups are hybrid).
      '--isolation=chroot',
      '--build-arg',
      `BASE=${base}`,
      // npm ci from this machine's npm cache, trusting what the host trusts (an egress proxy's CA).
      '--volume',
      `${join(process.env.HOME ?? '/root', '.npm')}:/root/.npm`,
      '--build-arg',
      'NPM_CI_FLAGS=--prefer-offline',
      ...(hostCaBundle
        ? [
            '--volume',
            `${hostCaBundle}:/run/host-ca.crt:ro`,
            '--build-arg',
            'NODE_EXTRA_CA_CERTS=/run/host-ca.crt',
          ]
        : []),
      '-t',
      ref,
      '-f',
      join(repoRoot, 'Containerfile'),
      repoRoot,
    ]);
    buildInto(archive, (partial) => run('podman', ['save', '--format', 'oci-archive', '-o', partial, ref]));
    log(
      `built in ${Math.round((Date.now() - started) / 1000)} s: ${archive} (${Math.round(statSync(archive).size / 2 ** 20)} MiB)`,
    );
    pruneOldProductImages();
  } else if (!imageExists(ref)) {
    log(`loading ${archive}`);
    run('podman', ['load', '-i', archive]);
  } else log(`up to date: ${ref}`);
  run('podman', ['tag', ref, `${imageName}:dev`]);
  return { archive, ref };
}

if (process.argv[1]?.endsWith('images.ts')) {
  try {
    const { archive, ref } = buildImages();
    if (quiet) console.log(archive);
    else console.log(`${ref} (also ${imageName}:dev)\n${archive}`);
  } catch (error) {
    console.error(`npm run images: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
