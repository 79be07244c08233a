import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bundleFileName, crdFileName, kinds, renderChartCrdFiles, renderCrdFiles } from './index.js';

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

  it('has the per-kind files, and no bundle, in the Helm chart (Helm installs every file there)', () => {
    const chartDir = join(repoRoot, 'charts', 'kubectl-medusa', 'crds');
    const expected = renderChartCrdFiles();
    expect([...expected.keys()].sort()).toEqual(kinds.map((k) => crdFileName(k.plural)).sort());
    expect(readdirSync(chartDir).sort()).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      expect(readFileSync(join(chartDir, name), 'utf8'), `chart ${name} drifted`).toBe(content);
    }
  });
});

describe('crds:check', () => {
  const copyOfCrds = (files = renderCrdFiles()): string => {
    const dir = mkdtempSync(join(tmpdir(), 'medusa-crds-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, content] of files) writeFileSync(join(dir, name), content);
    return dir;
  };
  const check = (dir: string, flag: '--dir' | '--chart-dir' = '--dir') =>
    run('npx', ['tsx', join(crdDir, 'generate.ts'), '--check', flag, dir], { cwd: repoRoot });

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

  it('checks the chart copy too, and names its drifted file', { timeout: 30_000 }, async () => {
    const dir = copyOfCrds(renderChartCrdFiles());
    await expect(check(dir, '--chart-dir')).resolves.toMatchObject({
      stdout: expect.stringContaining('up to date'),
    });
    writeFileSync(join(dir, crdFileName('medusatasks')), '# edited by hand\n');
    await expect(check(dir, '--chart-dir')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(crdFileName('medusatasks')),
    });
  });

  it('exits non-zero on a leftover file of a removed kind', async () => {
    const dir = copyOfCrds();
    writeFileSync(join(dir, crdFileName('medusas')), 'kind: CustomResourceDefinition\n');
    await expect(check(dir)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('medusas') });
  });
});
