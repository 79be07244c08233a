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

  describe('a backup of a multi-datacenter cluster', () => {
    // Medusa's tokenmap lists every node of the ring: dc1's three and dc2's two.
    const ring = [
      ...nodes.map((n) => ({ ...n, datacenter: 'dc1' })),
      { host: '10.1.0.1', rack: 'r1', datacenter: 'dc2', tokens: [1n] },
      { host: '10.1.0.2', rack: 'r1', datacenter: 'dc2', tokens: [2n] },
    ];

    it("maps only the target datacenter's nodes, as k8ssandra-operator does", () => {
      const mapping = computeMapping(ring, pods, { inPlace: true, datacenter: 'dc1' });
      expect(mapping).toEqual(computeMapping(nodes, pods, { inPlace: true }));
      const dc2Pods = [
        { name: 'c-dc2-r1-sts-0', rack: 'r1' },
        { name: 'c-dc2-r1-sts-1', rack: 'r1' },
      ];
      expect(computeMapping(ring, dc2Pods, { inPlace: true, datacenter: 'dc2' })).toEqual({
        in_place: true,
        host_map: {
          'c-dc2-r1-sts-0': { source: ['10.1.0.1'], seed: true },
          'c-dc2-r1-sts-1': { source: ['10.1.0.2'], seed: false },
        },
      });
    });

    it("counts the datacenter's nodes against the pods, and names a datacenter the backup lacks", () => {
      expect(computeMapping(ring, pods.slice(0, 2), { inPlace: true, datacenter: 'dc1' })).toBe(
        'the backup has 3 nodes in datacenter dc1 but the datacenter has 2 pods: restore into a datacenter of the same size',
      );
      expect(computeMapping(ring, pods, { inPlace: false, datacenter: 'dc3' })).toBe(
        'the backup has no node of datacenter dc3 (it holds dc1, dc2): restore into a datacenter of the same Cassandra name',
      );
    });

    it('refuses an explicit source from another datacenter', () => {
      const explicit = [
        { target: 'c-dc1-r1-sts-0', source: '10.1.0.1' },
        { target: 'c-dc1-r1-sts-1', source: '10.0.0.8' },
        { target: 'c-dc1-r2-sts-0', source: '10.0.0.7' },
      ];
      expect(computeMapping(ring, pods, { inPlace: false, datacenter: 'dc1', explicit })).toBe(
        'hostMapping source 10.1.0.1 is not a node of the backup in datacenter dc1',
      );
    });

    it('keeps nodes without placement (backups older than the dc/rack tokenmap)', () => {
      expect(computeMapping(nodes, pods, { inPlace: true, datacenter: 'dc1' })).toEqual(
        computeMapping(nodes, pods, { inPlace: true }),
      );
    });
  });
});
