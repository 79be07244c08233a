import { validateMedusaBackup, validateMedusaRestoreJob, type MedusaBackupStatus } from '../../crds/index.js';
import { plainDatacenterEnv } from '../../lib/datacenter.js';
import { validateRestoreFilter } from '../../lib/restore-contract.js';
import { resources } from '../cluster.js';
import { requireBoundDatacenter, type Datacenter } from './datacenter.js';
import { fromSchema, type Findings, type ValidationContext } from './result.js';

// MedusaRestoreJob on creation: the filter can be honoured, the backup exists, is complete and fits
// the datacenter. Whether the filter names what the backup holds is checked by the agents against
// the backup itself, before the datacenter stops (docs/controller.md).

function checkBackupComplete(name: string, status: MedusaBackupStatus | undefined, out: Findings): boolean {
  const field = 'spec.backup';
  const state = status?.status;
  if (state !== undefined && state !== 'SUCCESS') {
    out.causes.push({
      field,
      message: `MedusaBackup "${name}" is ${state}, not SUCCESS: only complete backups can be restored`,
    });
    return false;
  }
  if (!status?.finishTime) {
    out.causes.push({ field, message: `MedusaBackup "${name}" has not finished (no status.finishTime)` });
    return false;
  }
  if ((status.finishedNodes ?? 0) !== (status.totalNodes ?? 0)) {
    out.causes.push({
      field,
      message: `MedusaBackup "${name}" is incomplete: ${status.finishedNodes ?? 0} of ${status.totalNodes ?? 0} nodes finished`,
    });
    return false;
  }
  return true;
}

/**
 * k8ssandra-operator's validateBackupForRestore, at admission instead of mid-restore. A backup of a
 * multi-datacenter cluster restores into one of its datacenters: only that datacenter's nodes are
 * counted (the controller maps the same ones: controller/reconcilers/restore-mapping.ts).
 */
function checkTopology(backup: string, status: MedusaBackupStatus, dc: Datacenter, out: Findings): void {
  const field = 'spec.cassandraDatacenter';
  const total = status.totalNodes ?? 0;
  // Legacy backups carry no node counts: k8ssandra-operator skips the checks for them too.
  if (total === 0 && (status.finishedNodes ?? 0) === 0) return;
  const allNodes = status.nodes ?? [];
  const held = [...new Set(allNodes.map((n) => n.datacenter).filter((d): d is string => !!d))].sort();
  const nodes =
    dc.cassandraName === undefined
      ? allNodes
      : allNodes.filter((n) => n.datacenter === undefined || n.datacenter === dc.cassandraName);
  if (dc.cassandraName !== undefined && allNodes.length > 0 && nodes.length === 0) {
    out.causes.push({
      field,
      message: `MedusaBackup "${backup}" was taken in datacenter "${held.join('", "')}", not "${dc.cassandraName}": restore into a datacenter of the same Cassandra name (${dc.kind === 'StatefulSet' ? `${plainDatacenterEnv.join(' or ')} in the pod template` : 'spec.datacenterName'})`,
    });
    return;
  }
  const count = held.length > 1 ? nodes.length : total;
  if (count !== dc.size) {
    const of = held.length > 1 ? ` in datacenter "${dc.cassandraName}"` : '';
    out.causes.push({
      field,
      message: `${dc.holder} "${dc.name}" has ${dc.size} nodes but MedusaBackup "${backup}" has ${count}${of}: node counts must match`,
    });
  }
  if (dc.racks && nodes.length > 0) {
    const backupRacks = [...new Set(nodes.map((n) => n.rack ?? ''))].sort();
    const dcRacks = [...dc.racks.names].sort();
    if (backupRacks.length !== dcRacks.length) {
      out.causes.push({
        field,
        message: `MedusaBackup "${backup}" has ${backupRacks.length} racks (${backupRacks.join(', ')}) but ${dc.name} has ${dcRacks.length} (${dcRacks.join(', ')})`,
      });
    } else if (dcRacks.some((r) => !backupRacks.includes(r))) {
      out.causes.push({
        field,
        message: `rack names differ: MedusaBackup "${backup}" has ${backupRacks.join(', ')}, ${dc.name} has ${dcRacks.join(', ')}`,
      });
    }
  }
}

function checkHostMapping(
  mapping: { target: string; source: string }[],
  status: MedusaBackupStatus,
  dc: Datacenter,
  out: Findings,
): void {
  const hosts = new Set((status.nodes ?? []).map((n) => n.host).filter((h): h is string => !!h));
  const pods = new Set(dc.pods);
  const seenTargets = new Set<string>();
  mapping.forEach((entry, i) => {
    const at = `spec.hostMapping[${i}]`;
    if (!pods.has(entry.target)) {
      out.causes.push({
        field: `${at}.target`,
        message: `"${entry.target}" is not a pod of ${dc.name} (${dc.pods.slice(0, 4).join(', ')}${dc.pods.length > 4 ? ', ...' : ''})`,
      });
    }
    if (seenTargets.has(entry.target))
      out.causes.push({ field: `${at}.target`, message: `"${entry.target}" is mapped twice` });
    seenTargets.add(entry.target);
    if (hosts.size > 0 && !hosts.has(entry.source)) {
      out.causes.push({
        field: `${at}.source`,
        message: `"${entry.source}" is not a node of the backup (${[...hosts].slice(0, 4).join(', ')}${hosts.size > 4 ? ', ...' : ''})`,
      });
    }
  });
}

export async function validateRestoreJob(
  object: unknown,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const checked = validateMedusaRestoreJob(object);
  if (!checked.ok) return void out.causes.push(...fromSchema(checked.errors));
  const spec = checked.value.spec;
  if (!spec)
    return void out.causes.push({ field: 'spec', message: 'is required', reason: 'FieldValueRequired' });
  if (spec.backup === '')
    out.causes.push({
      field: 'spec.backup',
      message: 'is required: the name of a MedusaBackup',
      reason: 'FieldValueRequired',
    });
  if (spec.cassandraDatacenter === '')
    out.causes.push({
      field: 'spec.cassandraDatacenter',
      message: 'is required',
      reason: 'FieldValueRequired',
    });
  for (const problem of validateRestoreFilter(spec.filter).problems) {
    out.causes.push({
      field: `spec.filter${problem.path ? `.${problem.path}` : ''}`,
      message: problem.message,
    });
  }
  if (out.causes.length > 0) return;
  const [backup, dc] = await Promise.all([
    ctx.reader.get(resources.backup, ctx.namespace, spec.backup),
    requireBoundDatacenter('spec.cassandraDatacenter', spec.cassandraDatacenter, ctx, out.causes),
  ]);
  if (!backup) {
    out.causes.push({
      field: 'spec.backup',
      message: `MedusaBackup "${spec.backup}" does not exist in namespace ${ctx.namespace} (kubectl get medusabackups)`,
      reason: 'FieldValueNotFound',
    });
    return;
  }
  const parsed = validateMedusaBackup(backup);
  const status = parsed.ok ? parsed.value.status : undefined;
  if (!checkBackupComplete(spec.backup, status, out) || !status || !dc) return;
  checkTopology(spec.backup, status, dc, out);
  if (spec.hostMapping) checkHostMapping(spec.hostMapping, status, dc, out);
}
