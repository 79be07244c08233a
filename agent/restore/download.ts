// Step 1 of a node restore, and the whole of a prepare: fill the staging folder with the node
// backup's objects, each verified (size and recorded checksum) as it streams.
import { stat } from 'node:fs/promises';
import type { Logger } from '../../lib/log.js';
import { compareContent, fileDigests, kindsToCheck } from '../../lib/storage/hashing.js';
import { incrementsOf } from '../../lib/storage/transfer/counter.js';
import { portAnswers } from '../../lib/tcp-port.js';
import { ProgressTracker } from '../backup/progress.js';
import { mapLimited } from '../util/limit.js';
import { RestoreRefused } from './refused.js';
import type { RestoreNodeOptions, RestorePlan, StagedObject } from './restore-node.js';

/** Whether a file already in the staging folder can be kept (no download). */
async function alreadyStaged(s: StagedObject, trusted: boolean): Promise<boolean> {
  const current = await stat(s.stagedPath).catch(() => undefined);
  if (!current?.isFile() || current.size !== s.object.size) return false;
  // A complete prepare verified every file as it landed: reading them again would put the whole
  // download's reading time back into the datacenter's downtime.
  if (trusted) return true;
  return (
    compareContent(s.expected, await fileDigests(s.stagedPath, s.expected.partSize, kindsToCheck(s.expected)))
      .verdict !== 'mismatch'
  );
}

/**
 * Downloads into the staging directory, each object hashed as it streams and refused before it
 * lands when it is not what the backup recorded. Files already staged with the right size and
 * checksum (a restarted init container, an earlier prepare) are kept; with options.trustStaged
 * (a complete prepare) the size is enough. Resolves with the number of files downloaded.
 */
export async function stageFiles(
  options: RestoreNodeOptions,
  plan: RestorePlan,
  log: Logger,
): Promise<number> {
  const { store, backupName, fqdn } = options;
  if (!options.inPlace) {
    if (!plan.tokenMap[fqdn]?.tokens?.length)
      throw new RestoreRefused(`the backup's tokenmap.json has no tokens for ${fqdn}`);
    if (!options.cassandraYamlPath)
      throw new RestoreRefused('a restore into another cluster needs cassandra.yaml to set tokens');
  }
  for (const endpoint of options.mustBeStopped ?? []) {
    if (await portAnswers(endpoint.host, endpoint.port)) {
      throw new RestoreRefused(
        `Cassandra is running (${endpoint.host}:${endpoint.port} answers): stop it before restoring`,
      );
    }
  }
  const { staged, bytes, staging } = plan;
  if (plan.sizeOnly.length) {
    log.warn('some objects have no recorded checksum anywhere: only their size is checked', {
      objects: plan.sizeOnly.length,
      first: plan.sizeOnly.slice(0, 5),
    });
  }
  log.info('downloading', { backup: backupName, fqdn, files: staged.length, bytes, staging });
  const progress = new ProgressTracker(bytes, staged.length);
  if (options.onProgress) progress.on('progress', options.onProgress);
  let downloaded = 0;
  await mapLimited(staged, options.concurrency ?? 1, async (s) => {
    if (await alreadyStaged(s, options.trustStaged ?? false)) {
      progress.fileSkipped(s.object.size);
      return;
    }
    const received = incrementsOf((count) => progress.addBytes(count));
    const size = await store.downloadFile(s.object.path, s.stagedPath, received, s.expected);
    downloaded++;
    received.settle(size);
    progress.fileDone();
  });
  progress.flush();
  return downloaded;
}
