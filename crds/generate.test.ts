import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bundleFileName, crdFileName, kinds, renderCrdFiles } from './index.js';

const crdDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(crdDir, '..');
const run = promisify(execFile);

describe('committed CRD YAML', () => {
  it('matches the schemas (run `npm run crds:generate` after changing crds/schemas)', () => {
    const expected = renderCrdFiles();
    const committed = readdirSync(crdDir).filter((f) => f.endsWith('.yaml'));
    expect(committed.sort()).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      expect(readFileSync(join(crdDir, name), 'utf8'), `${name} drifted from crds/schemas`).toBe(content);
    }
  });

  it('bundles every kind in all.yaml, one document each, in the per-kind files order', () => {
    const files = renderCrdFiles();
    const docs = parseAllDocuments(files.get(bundleFileName) ?? '').map(
      (d) => d.toJS() as { metadata: { name: string } },
    );
    expect(docs.map((d) => d.metadata.name)).toEqual(kinds.map((k) => `${k.plural}.medusa.k8ssandra.io`));
    for (const kind of kinds) expect(files.has(crdFileName(kind.plural))).toBe(true);
  });
});

describe('crds:check', () => {
  const copyOfCrds = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'medusa-crds-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, content] of renderCrdFiles()) writeFileSync(join(dir, name), content);
    return dir;
  };
  const check = (dir: string) =>
    run('npx', ['tsx', join(crdDir, 'generate.ts'), '--check', '--dir', dir], { cwd: repoRoot });

  it('passes on up-to-date YAML', async () => {
    await expect(check(copyOfCrds())).resolves.toMatchObject({
      stdout: expect.stringContaining('up to date'),
    });
  });

  it('exits non-zero and names the file when the YAML drifted', async () => {
    const dir = copyOfCrds();
    const file = join(dir, crdFileName('medusabackups'));
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: Files', 'name: Objects'));
    await expect(check(dir)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(crdFileName('medusabackups')),
    });
  });

  it('exits non-zero on a leftover file of a removed kind', async () => {
    const dir = copyOfCrds();
    writeFileSync(join(dir, crdFileName('medusas')), 'kind: CustomResourceDefinition\n');
    await expect(check(dir)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('medusas') });
  });
});
