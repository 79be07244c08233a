import { configurationAnnotation } from '../../crds/index.js';
import type { Cause } from '../admission/review.js';
import { resources } from '../cluster.js';
import { splitRacks, statefulSetName } from '../names.js';
import type { BindingHolder } from './writers.js';
import type { ValidationContext } from './result.js';

/** A datacenter a job names: a CassandraDatacenter, else a StatefulSet bound on its own. */
export interface Datacenter {
  holder: BindingHolder;
  name: string;
  bound: boolean;
  size: number;
  /** Cassandra's name of the datacenter (spec.datacenterName override), when known. */
  cassandraName?: string;
  /** Rack names of a CassandraDatacenter (spec.racks; `default` when it has none). */
  racks?: { names: string[]; declared: boolean };
  /** Pod names, in rack order. */
  pods: string[];
}

export async function findDatacenter(name: string, ctx: ValidationContext): Promise<Datacenter | undefined> {
  const dc = await ctx.reader.get(resources.datacenter, ctx.namespace, name);
  if (dc) {
    const spec = dc.spec ?? {};
    const size = typeof spec.size === 'number' ? spec.size : 0;
    const declared = Array.isArray(spec.racks)
      ? (spec.racks as { name?: string }[]).map((r) => r.name ?? '')
      : [];
    const racks = declared.length > 0 ? declared : ['default'];
    const cluster = typeof spec.clusterName === 'string' ? spec.clusterName : '';
    const labelName =
      typeof dc.status?.datacenterName === 'string' && dc.status.datacenterName
        ? dc.status.datacenterName
        : name;
    const counts = splitRacks(size, racks.length);
    const pods = racks.flatMap((rack, i) =>
      Array.from(
        { length: counts[i] ?? 0 },
        (_, ordinal) => `${statefulSetName(cluster, labelName, rack)}-${ordinal}`,
      ),
    );
    const cassandraName =
      typeof spec.datacenterName === 'string' && spec.datacenterName ? spec.datacenterName : name;
    return {
      holder: 'CassandraDatacenter',
      name,
      bound: dc.metadata?.annotations?.[configurationAnnotation] !== undefined,
      size,
      cassandraName,
      racks: { names: racks, declared: declared.length > 0 },
      pods,
    };
  }
  const sts = await ctx.reader.get(resources.statefulSet, ctx.namespace, name);
  if (!sts) return undefined;
  const replicas = typeof sts.spec?.replicas === 'number' ? sts.spec.replicas : 1;
  return {
    holder: 'StatefulSet',
    name,
    bound: sts.metadata?.annotations?.[configurationAnnotation] !== undefined,
    size: replicas,
    pods: Array.from({ length: replicas }, (_, i) => `${name}-${i}`),
  };
}

/** The datacenter a job names, refusing when it is missing or not bound to a MedusaConfiguration. */
export async function requireBoundDatacenter(
  field: string,
  name: string,
  ctx: ValidationContext,
  causes: Cause[],
): Promise<Datacenter | undefined> {
  const dc = await findDatacenter(name, ctx);
  if (!dc) {
    causes.push({
      field,
      message: `no CassandraDatacenter or StatefulSet named "${name}" in namespace ${ctx.namespace}`,
      reason: 'FieldValueNotFound',
    });
    return undefined;
  }
  if (!dc.bound) {
    causes.push({
      field,
      message: `${dc.holder} "${name}" is not bound to a MedusaConfiguration: add the ${configurationAnnotation} annotation to it`,
    });
    return undefined;
  }
  return dc;
}
