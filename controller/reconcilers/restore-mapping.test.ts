import { describe, expect, it } from 'vitest';
import { computeMapping } from './restore-mapping.js';

const nodes = [
  { host: '10.0.0.9', rack: 'r2', tokens: [100n] },
  { host: '10.0.0.7', rack: 'r1', tokens: [-5n] },
  { host: '10.0.0.8', rack: 'r1', tokens: [-9223372036854775808n] },
];
const pods = [
  { name: 'c-dc1-r1-sts-1', rack: 'r1' },
  { name: 'c-dc1-r2-sts-0', rack: 'r2' },
  { name: 'c-dc1-r1-sts-0', rack: 'r1' },
];

describe('restore mapping', () => {
  it('pairs nodes and pods within racks: pods by ordinal, nodes by first token', () => {
    const mapping = computeMapping(nodes, pods, { inPlace: true });
    expect(mapping).toEqual({
      in_place: true,
      host_map: {
        'c-dc1-r1-sts-0': { source: ['10.0.0.8'], seed: true },
        'c-dc1-r1-sts-1': { source: ['10.0.0.7'], seed: false },
        'c-dc1-r2-sts-0': { source: ['10.0.0.9'], seed: false },
      },
    });
  });

  it('uses an explicit host mapping, and refuses one that misses a pod or names a stranger', () => {
    const explicit = [
      { target: 'c-dc1-r1-sts-0', source: '10.0.0.9' },
      { target: 'c-dc1-r1-sts-1', source: '10.0.0.8' },
      { target: 'c-dc1-r2-sts-0', source: '10.0.0.7' },
    ];
    const mapping = computeMapping(nodes, pods, { inPlace: false, explicit });
    expect(typeof mapping === 'object' && mapping.host_map['c-dc1-r1-sts-0']?.source).toEqual(['10.0.0.9']);
    expect(computeMapping(nodes, pods, { inPlace: false, explicit: explicit.slice(1) })).toBe(
      'hostMapping must name every pod of the datacenter',
    );
    expect(
      computeMapping(nodes, pods, {
        inPlace: false,
        explicit: [{ target: 'x-0', source: '10.0.0.9' }, ...explicit.slice(1)],
      }),
    ).toMatch(/target x-0 is not a pod/);
  });

  it('refuses a backup whose node count differs from the datacenter', () => {
    expect(computeMapping(nodes.slice(0, 2), pods, { inPlace: true })).toBe(
      'the backup has 2 nodes but the datacenter has 3 pods: restore into a datacenter of the same size',
    );
  });
});
