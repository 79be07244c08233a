// Creating an operation's object (MedusaBackupJob, MedusaRestoreJob, MedusaTask) and, with --wait,
// following it until it ends: what backup, restore and the task commands share.
import type { Io } from '../io.js';
import type { Kube } from '../kube.js';
import { createResource, getResource, qualifiedName, type MedusaResource } from '../resources.js';
import { waitFor, type Observation } from '../wait.js';
import { parseTimeout } from './common.js';

export interface CreateAndFollow {
  plural: string;
  object: MedusaResource;
  /** Printed (yellow) right after the object is created. */
  notice?: string;
  /** The read command that describes it: backups, restores, tasks. */
  describeWith: string;
  /** What is waited for, as the progress lines name it: "backup <name>". */
  what: string;
  observe: (object: MedusaResource) => Observation;
  wait?: boolean;
  timeout?: string;
}

/**
 * Creates the object and says so. Without --wait it tells how to follow the operation and resolves
 * undefined; with --wait it resolves when the operation ends (or throws on --timeout).
 */
export async function createAndFollow(
  io: Io,
  kube: Kube,
  options: CreateAndFollow,
): Promise<{ object: MedusaResource; exitCode: number } | undefined> {
  const { plural, object } = options;
  const name = object.metadata.name;
  await createResource(kube, plural, object);
  io.out(`${qualifiedName(plural, name)} created`);
  if (options.notice) io.err(io.color.yellow(options.notice));
  if (!options.wait) {
    io.err(
      io.color.dim(
        `Follow it with: kubectl medusa ${options.describeWith} describe ${name} -n ${kube.namespace}`,
      ),
    );
    return undefined;
  }
  const timeoutMs = parseTimeout(options.timeout);
  return waitFor(io, {
    what: options.what,
    fetch: () => getResource(kube, plural, name),
    observe: options.observe,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}
