// Property: what the webhook admits, the runtimes accept, and the reverse. Names go through the
// webhook's whole admission path (validateRequest) and through the functions the agent and the
// controller call; cron expressions are generated from robfig/cron's grammar (k8ssandra-operator's
// parser) and checked against an independent model of its matching rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configurationAnnotation } from '../../crds/index.js';
import { validateBackupName } from '../../agent/backup/layout.js';
import { snapshotTag } from '../../agent/backup/stale-snapshots.js';
import { lastDueRun, nextRuns } from '../../lib/schedule.js';
import type { AdmissionRequest } from '../admission/review.js';
import { memoryClusterReader, resources } from '../cluster.js';
import { validateRequest } from './index.js';

const namespace = 'ns';
const now = new Date('2026-11-22T10:17:31Z');
const reader = memoryClusterReader([
  {
    resource: resources.datacenter,
    object: {
      metadata: { name: 'dc1', namespace, annotations: { [configurationAnnotation]: 'minio' } },
      spec: { clusterName: 'demo', size: 3, racks: [{ name: 'r1' }] },
    },
  },
]);

function request(kind: string, name: string, spec: Record<string, unknown>): AdmissionRequest {
  return {
    uid: 'u',
    kind: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', kind },
    resource: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', resource: `${kind.toLowerCase()}s` },
    name,
    namespace,
    operation: 'CREATE',
    object: { apiVersion: 'medusa.k8ssandra.io/v1alpha1', kind, metadata: { name, namespace }, spec },
  } as AdmissionRequest;
}

async function refusedFields(kind: string, name: string, spec: Record<string, unknown>): Promise<string[]> {
  const outcome = await validateRequest(request(kind, name, spec), reader, now);
  return outcome.allowed ? [] : (outcome.causes ?? []).map((c) => c.field);
}

const agentAccepts = (name: string): boolean => {
  try {
    validateBackupName(name);
    return true;
  } catch {
    return false;
  }
};

// The apiserver's own rules (k8s.io/apimachinery validation), written out independently.
const isDnsSubdomain = (s: string) =>
  s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
const isLabelValue = (s: string) => s.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(s);

const fragments = [
  'a',
  'z',
  'b1',
  '0',
  '9',
  '-',
  '.',
  '_',
  '@',
  ' ',
  '/',
  '\\',
  '\n',
  ':',
  'A',
  'schema',
  'Finished',
  'x'.repeat(30),
];
const anyName = fc
  .array(fc.constantFrom(...fragments), { minLength: 0, maxLength: 12 })
  .map((p) => p.join(''));
/** Names the apiserver lets through to admission. */
const objectName = fc
  .array(fc.constantFrom('a', 'k', '7', '-', '.', 'nightly', 'schema', 'manifest', 'x'.repeat(20)), {
    minLength: 1,
    maxLength: 8,
  })
  .map((p) => p.join(''))
  .filter(isDnsSubdomain);

describe(
  'MedusaBackupJob names: the webhook admits exactly what the agent and the controller accept',
  { timeout: 60_000 },
  () => {
    it('admitted => the agent takes it as a backup name, medusa-<name> is a snapshot tag, the name a label value', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(anyName, objectName), async (name) => {
          const refused = await refusedFields('MedusaBackupJob', name, { cassandraDatacenter: 'dc1' });
          if (refused.includes('metadata.name')) return;
          expect(refused).toEqual([]);
          expect(agentAccepts(name)).toBe(true);
          expect(isDnsSubdomain(name)).toBe(true);
          expect(isLabelValue(name)).toBe(true);
          expect(Buffer.byteLength(snapshotTag(name))).toBeLessThanOrEqual(255);
        }),
        { numRuns: 400 },
      );
    });

    it('a Kubernetes object name the agent accepts is admitted', async () => {
      await fc.assert(
        fc.asyncProperty(objectName, async (name) => {
          const refused = await refusedFields('MedusaBackupJob', name, { cassandraDatacenter: 'dc1' });
          expect(refused.includes('metadata.name')).toBe(!agentAccepts(name));
        }),
        { numRuns: 400 },
      );
    });

    it('the names a schedule gives its jobs are admitted when the schedule is', async () => {
      await fc.assert(
        fc.asyncProperty(
          objectName,
          fc.integer({ min: 1_700_000_000, max: 4_000_000_000 }),
          async (name, unix) => {
            const schedule = await refusedFields('MedusaBackupSchedule', name, {
              cronSchedule: '@daily',
              backupSpec: { cassandraDatacenter: 'dc1' },
            });
            if (schedule.length > 0) return;
            const child = `${name}-${unix}`;
            expect(await refusedFields('MedusaBackupJob', child, { cassandraDatacenter: 'dc1' })).toEqual([]);
            expect(agentAccepts(child)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });
  },
);

// ---- cron ------------------------------------------------------------------------------------

interface FieldModel {
  min: number;
  max: number;
  names?: string[];
  base?: number;
}
const models: FieldModel[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  {
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    base: 1,
  },
  { min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], base: 0 },
];

/** One field as text and as robfig reads it: the set of values, and whether it is a star. */
interface Field {
  text: string;
  values: Set<number>;
  star: boolean;
}

const range = (from: number, to: number, step = 1) => {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
};

function fieldArbitrary(m: FieldModel): fc.Arbitrary<Field> {
  const value = fc.integer({ min: m.min, max: m.max });
  const written = (v: number) =>
    m.names
      ? fc.constantFrom(String(v), m.names[v - (m.base ?? 0)]!.toLowerCase(), m.names[v - (m.base ?? 0)]!)
      : fc.constant(String(v));
  const step = fc.integer({ min: 1, max: m.max - m.min + 2 });
  const atom: fc.Arbitrary<Field> = fc.oneof(
    fc.constantFrom('*', '?').map((t) => ({ text: t, values: new Set(range(m.min, m.max)), star: true })),
    step.map((s) => ({ text: `*/${s}`, values: new Set(range(m.min, m.max, s)), star: s === 1 })),
    value.chain((v) => written(v).map((t) => ({ text: t, values: new Set([v]), star: false }))),
    fc.tuple(value, value, fc.option(step, { nil: undefined })).map(([a, b, s]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${lo}-${hi}${s ? `/${s}` : ''}`, values: new Set(range(lo, hi, s ?? 1)), star: false };
    }),
    fc
      .tuple(value, step)
      .map(([v, s]) => ({ text: `${v}/${s}`, values: new Set(range(v, m.max, s)), star: false })),
  );
  return fc.array(atom, { minLength: 1, maxLength: 3 }).map((atoms) => ({
    text: atoms.map((a) => a.text).join(','),
    values: new Set(atoms.flatMap((a) => [...a.values])),
    star: atoms.some((a) => a.star),
  }));
}

const validCron = fc.tuple(...models.map(fieldArbitrary));

/** robfig/cron's SpecSchedule matching, in UTC. */
function matches(fields: Field[], d: Date): boolean {
  const [minute, hour, dom, month, dow] = fields as [Field, Field, Field, Field, Field];
  const domMatch = dom.values.has(d.getUTCDate());
  const dowMatch = dow.values.has(d.getUTCDay());
  const day = dom.star || dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  return (
    minute.values.has(d.getUTCMinutes()) &&
    hour.values.has(d.getUTCHours()) &&
    month.values.has(d.getUTCMonth() + 1) &&
    day
  );
}

/** Whether robfig would ever find a run: with day-of-month and day-of-week ANDed, a day must exist. */
function everRuns(fields: Field[]): boolean {
  const [, , dom, month, dow] = fields as [Field, Field, Field, Field, Field];
  if (!(dom.star || dow.star) || dom.star) return true; // OR, or any day of the month: some day matches
  const longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return [...month.values].some((m) => [...dom.values].some((d) => d <= longest[m - 1]!));
}

async function scheduleRefusals(cronSchedule: string): Promise<string[]> {
  return refusedFields('MedusaBackupSchedule', 'nightly', {
    cronSchedule,
    backupSpec: { cassandraDatacenter: 'dc1' },
  });
}

const controllerRuns = (cron: string): boolean => {
  try {
    const next = nextRuns(cron, { from: now })[0];
    lastDueRun(cron, new Date(now.getTime() - 86_400_000), now);
    return next instanceof Date && next > now;
  } catch {
    return false;
  }
};

describe(
  'cronSchedule: the webhook admits exactly what the controller schedules',
  { timeout: 60_000 },
  () => {
    it("every expression of robfig/cron's standard grammar that can run is admitted and runs when robfig would", async () => {
      await fc.assert(
        fc.asyncProperty(validCron, async (fields) => {
          const cron = fields.map((f) => f.text).join(' ');
          if (!everRuns(fields)) {
            // robfig accepts it and never runs it; we refuse it at admission and in the controller.
            expect(await scheduleRefusals(cron)).toEqual(['spec.cronSchedule']);
            expect(controllerRuns(cron)).toBe(false);
            return;
          }
          expect(await scheduleRefusals(cron)).toEqual([]);
          const next = nextRuns(cron, { from: now })[0]!;
          expect(next > now).toBe(true);
          expect(matches(fields, next)).toBe(true);
          // Nothing earlier matches (checked minute by minute when the run is within three days).
          const start = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000;
          if (next.getTime() - start <= 3 * 86_400_000) {
            for (let t = start; t < next.getTime(); t += 60_000)
              expect(matches(fields, new Date(t))).toBe(false);
          }
        }),
        { numRuns: 300 },
      );
    });

    const mutations = fc.oneof(
      validCron.map((f) => `0 ${f.map((x) => x.text).join(' ')}`), // seconds field
      validCron.map((f) =>
        f
          .map((x) => x.text)
          .slice(0, 4)
          .join(' '),
      ), // four fields
      validCron.map((f) => [...f.slice(0, 4).map((x) => x.text), '7'].join(' ')), // Sunday as 7
      validCron.map((f) => ['60', ...f.slice(1).map((x) => x.text)].join(' ')),
      validCron.map((f) => [f[0]!.text, '24', ...f.slice(2).map((x) => x.text)].join(' ')),
      validCron.map((f) =>
        [...f.slice(0, 2).map((x) => x.text), 'L', ...f.slice(3).map((x) => x.text)].join(' '),
      ),
      validCron.map((f) => [...f.slice(0, 4).map((x) => x.text), '1#2'].join(' ')),
      validCron.map((f) =>
        [...f.slice(0, 2).map((x) => x.text), '15W', ...f.slice(3).map((x) => x.text)].join(' '),
      ),
      validCron.map((f) => ['H', ...f.slice(1).map((x) => x.text)].join(' ')),
      fc.constantFrom(
        '@fortnightly',
        '@DAILY',
        '@every',
        '@every 0s',
        '@every soon',
        '@every -1h',
        'TZ=Nowhere/Land @daily',
      ),
    );

    it('what is outside the grammar is refused at admission and by the controller alike', async () => {
      await fc.assert(
        fc.asyncProperty(mutations, async (cron) => {
          expect(await scheduleRefusals(cron)).toEqual(['spec.cronSchedule']);
          expect(controllerRuns(cron)).toBe(false);
        }),
        { numRuns: 200 },
      );
    });

    const durations = fc
      .array(fc.tuple(fc.integer({ min: 1, max: 90 }), fc.constantFrom('h', 'm', 's')), {
        minLength: 1,
        maxLength: 3,
      })
      .map((parts) => parts.map(([n, u]) => `${n}${u}`).join(''));
    const descriptors = fc.constantFrom(
      '@yearly',
      '@annually',
      '@monthly',
      '@weekly',
      '@daily',
      '@midnight',
      '@hourly',
    );

    it('descriptors and @every <duration>: admitted, and scheduled by the controller', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            descriptors,
            durations.map((d) => `@every ${d}`),
          ),
          async (cron) => {
            expect(await scheduleRefusals(cron)).toEqual([]);
            expect(controllerRuns(cron)).toBe(true);
          },
        ),
        { numRuns: 100 },
      );
    });

    it('any string: admitted if and only if the controller can run it', async () => {
      const text = fc.oneof(
        fc.string({ maxLength: 20 }),
        fc
          .array(
            fc.constantFrom('*', '0', '5', '*/2', '1-3', 'MON', 'L', '?', '61', ' ', '@every 1h', 'TZ=UTC '),
            { maxLength: 7 },
          )
          .map((p) => p.join(' ')),
      );
      await fc.assert(
        fc.asyncProperty(text, async (cron) => {
          const admitted = (await scheduleRefusals(cron)).length === 0;
          expect(admitted).toBe(controllerRuns(cron));
        }),
        { numRuns: 400 },
      );
    });
  },
);
