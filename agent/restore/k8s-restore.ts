import type { Logger } from '../../lib/log.js';
import type { NodeContext } from '../cli/context.js';
import { restoreNode, type RestoreNodeResult } from './restore-node.js';

// The `medusa-restore` init container (MEDUSA_MODE=RESTORE), as cassandra-medusa's image runs it
// (k8s/docker-entrypoint.sh + medusa/service/grpc/restore.py): BACKUP_NAME, RESTORE_KEY,
// RESTORE_MAPPING and POD_NAME from k8ssandra-operator's MedusaRestoreJob.

/** The JSON PrepareRestore writes and the operator passes as RESTORE_MAPPING. */
export interface RestoreMapping {
  in_place: boolean;
  host_map: Record<string, { source: string[]; seed?: boolean }>;
}

export interface K8sRestoreOutcome {
  restored: boolean;
  message: string;
  result?: RestoreNodeResult;
}

/** Which backup node this pod restores from, or why it restores nothing. */
export function restoreSource(
  env: NodeJS.ProcessEnv,
  ownFqdn: string,
): { skip: string } | { fqdn: string; inPlace: boolean } {
  if (!env.RESTORE_MAPPING) return { fqdn: ownFqdn, inPlace: true };
  let mapping: RestoreMapping;
  try {
    mapping = JSON.parse(env.RESTORE_MAPPING) as RestoreMapping;
  } catch (error) {
    throw new Error(`RESTORE_MAPPING is not JSON: ${(error as Error).message}`);
  }
  if (mapping.in_place) return { fqdn: ownFqdn, inPlace: true };
  const pod = env.POD_NAME ?? '';
  const source = mapping.host_map?.[pod]?.source?.[0];
  if (!source) return { skip: `POD_NAME ${pod} not found in mapping` };
  return { fqdn: source, inPlace: false };
}

/**
 * Runs the init-container restore. Nothing to do without BACKUP_NAME/RESTORE_KEY; a key already in
 * <data volume>/.last-restore is not restored again (a restarted init container, a scaled-up pod).
 */
export async function restoreFromEnvironment(
  ctx: NodeContext,
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<K8sRestoreOutcome> {
  const backupName = env.BACKUP_NAME;
  const restoreKey = env.RESTORE_KEY;
  if (!backupName || !restoreKey)
    return { restored: false, message: 'no BACKUP_NAME or RESTORE_KEY: nothing to restore' };
  const source = restoreSource(env, ctx.fqdn);
  if ('skip' in source) return { restored: false, message: source.skip };
  const backup = await ctx.catalog().clusterBackup(backupName);
  if (!backup?.nodes.some((node) => node.fqdn === source.fqdn && node.finished !== undefined)) {
    throw new Error(`backup ${backupName} has no finished backup of node ${source.fqdn}`);
  }
  const yaml = await ctx.yaml();
  const result = await restoreNode({
    backupName,
    fqdn: source.fqdn,
    prefix: ctx.prefix,
    store: ctx.store(),
    dataDirectory: yaml.dataDirectory,
    commitlogDirectory: yaml.commitlogDirectory,
    cassandraYamlPath: ctx.config.cassandra.configFile,
    inPlace: source.inPlace,
    keepAuth: !source.inPlace,
    stagingRoot: env.MEDUSA_TMP_DIR,
    multipartChunksize: ctx.config.storage.multipartChunksize,
    concurrency: ctx.config.storage.concurrentTransfers,
    restoreKey,
    logger: log,
  });
  return {
    restored: !result.skipped,
    message: result.skipped
      ? (result.reason ?? 'skipped')
      : `restored ${backupName} from ${source.fqdn} (${source.inPlace ? 'in place' : 'remote'})`,
    result,
  };
}
