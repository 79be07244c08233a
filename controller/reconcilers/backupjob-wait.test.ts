import { describe, expect, it } from 'vitest';
import { datacenterVerdict } from './backupjob-wait.js';

describe('a backup job waits for its datacenter', () => {
  const expected = ['dc1-0', 'dc1-1', 'dc1-2'];

  it('starts when every pod of the datacenter exists and none waits for its configuration', () => {
    const seen = expected.map((name) => ({ name }));
    expect(datacenterVerdict('dc1', 'ns', expected, [...seen, { name: 'other-0' }])).toEqual({
      ready: true,
      pods: expected,
    });
  });

  it('waits for a datacenter that does not exist yet, or has no pods yet', () => {
    expect(datacenterVerdict('dc1', 'ns', undefined, [])).toEqual({
      ready: false,
      reason: 'datacenter dc1 not found in namespace ns',
    });
    expect(datacenterVerdict('dc1', 'ns', [], [])).toEqual({
      ready: false,
      reason: 'datacenter dc1 has no pods yet',
    });
  });

  it('waits for pods not created yet, naming them', () => {
    expect(datacenterVerdict('dc1', 'ns', expected, [{ name: 'dc1-0' }])).toEqual({
      ready: false,
      reason: 'pods of datacenter dc1 not created yet: dc1-1, dc1-2',
    });
  });

  it('waits while pods run without Medusa for want of their MedusaConfiguration', () => {
    const seen = expected.map((name) => ({ name, awaitingConfiguration: 'medusa' }));
    expect(datacenterVerdict('dc1', 'ns', expected, seen)).toEqual({
      ready: false,
      reason:
        'pods of datacenter dc1 run without Medusa until MedusaConfiguration "medusa" exists in namespace ns: dc1-0, dc1-1, dc1-2',
    });
  });

  it('waits for pods running the sidecar that are not Ready yet (a node still bootstrapping)', () => {
    const seen = expected.map((name) => ({ name, ...(name === 'dc1-2' ? { starting: true } : {}) }));
    expect(datacenterVerdict('dc1', 'ns', expected, seen)).toEqual({
      ready: false,
      reason: 'pods of datacenter dc1 not Ready yet: dc1-2',
    });
  });
});
