// The sidecar's part in a filtered restore, before the datacenter stops: check the job's filter
// against the backup of the node this pod restores from, and report (lib/restore-contract.ts says
// when a job awaits this check; the controller stops the datacenter only once every pod agreed).
import type { MedusaObject } from '../../lib/medusa-api.js';
import type { NodeProgressReport } from '../../lib/node-report.js';
import { parseRestoreMapping, restoreFilterOf, restoreSource } from '../../lib/restore-contract.js';
import type { NodeContext } from '../cli/context.js';
import { filterProblem, nodeBackupManifest } from '../restore/k8s-restore.js';

export async function restoreFilterCheck(
  ctx: NodeContext,
  job: MedusaObject,
  pod: string,
): Promise<Omit<NodeProgressReport, 'node'>> {
  const filter = restoreFilterOf(job.spec);
  if (!filter) return { phase: 'Succeeded' };
  const backupName = String(job.spec?.backup ?? '');
  const mapping = parseRestoreMapping(job.status?.restoreMapping, 'status.restoreMapping');
  const source = restoreSource(mapping, pod, ctx.fqdn);
  if ('skip' in source) return { phase: 'Succeeded' };
  const sections = await nodeBackupManifest(ctx, backupName, source.fqdn);
  const problem = filterProblem(filter, sections, backupName);
  return problem ? { phase: 'Failed', lastError: problem } : { phase: 'Succeeded' };
}
