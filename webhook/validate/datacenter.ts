import { configurationAnnotation } from '../../crds/index.js';
import type { Cause } from '../admission/review.js';
import { lookupDatacenter, type DatacenterModel, type DatacenterSource } from '../../lib/datacenter.js';
import { resources, type ClusterReader } from '../cluster.js';
import type { BindingHolder } from './writers.js';
import type { ValidationContext } from './result.js';

/** A datacenter a job names: the one lib/datacenter.ts finds, with the webhook's holder name. */
export type Datacenter = DatacenterModel & { holder: BindingHolder };

/** The ClusterReader as lib/datacenter.ts reads datacenters. */
const readerSource = (reader: ClusterReader): DatacenterSource => ({
  cassandraDatacenter: (namespace, name) => reader.get(resources.datacenter, namespace, name),
  statefulSet: (namespace, name) => reader.get(resources.statefulSet, namespace, name),
});

export async function findDatacenter(name: string, ctx: ValidationContext): Promise<Datacenter | undefined> {
  const found = await lookupDatacenter(readerSource(ctx.reader), ctx.namespace, name);
  if (!found) return undefined;
  const { object: _object, ...model } = found;
  return { ...model, holder: model.kind };
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
