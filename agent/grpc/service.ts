// Medusa's gRPC service on the sidecar (docs/agent.md "gRPC service"): each call runs the node
// operation the CLI and the sidecar's jobs run (runBackup, runDeleteBackup, purgeWork, prepareWork,
// the catalog), so the node lock keeps them exclusive whoever asked. Answers follow medusa/service/grpc/server.py.
import * as grpc from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiVersion } from '../../crds/common.js';
import type { MedusaObject } from '../../lib/medusa-api.js';
import type { Logger } from '../../lib/log.js';
import { validateBackupName } from '../backup/layout.js';
import type { NodeContext } from '../cli/context.js';
import { defaultBackupName, runBackup } from '../cli/node-commands.js';
import { runDeleteBackup } from '../cli/retention-commands.js';
import { agentMetrics } from '../pod/health.js';
import type { PodIdentity } from '../pod/context.js';
import { prepareWork } from '../pod/prepare-work.js';
import type { Reporter } from '../pod/reporter.js';
import { purgeWork } from '../pod/work.js';
import { backupSummary, nodeBackupStatus, overallStatus, statusTime, type BackupRun } from './mapping.js';
import {
  medusaPackage,
  type BackupRequest,
  type BackupResponse,
  type BackupStatusRequest,
  type BackupStatusResponse,
  type DeleteBackupRequest,
  type DeleteBackupResponse,
  type GetBackupRequest,
  type GetBackupResponse,
  type GetBackupsResponse,
  type PrepareRestoreRequest,
  type PurgeBackupsResponse,
} from './medusa-proto.js';

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** A failed call: the status code and details Medusa's server sets (no response message is sent). */
class CallError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs one handler, turning a CallError (or any error, as INTERNAL with `prefix`) into the call's status. */
function unary<Req, Res>(log: Logger, method: string, prefix: string, handle: (req: Req) => Promise<Res>) {
  const handler: Unary<Req, Res> = (call, callback) => {
    handle(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const failure =
          error instanceof CallError
            ? error
            : new CallError(grpc.status.INTERNAL, `${prefix}: ${message(error)}`);
        log.warn('gRPC call failed', { method, code: grpc.status[failure.code], error: failure.message });
        callback({ code: failure.code, details: failure.message });
      },
    );
  };
  return handler;
}

export interface MedusaService {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
  /** Resolves when the backups this service started have ended (the sidecar waits on stop). */
  settled(): Promise<void>;
}

/** The pod the sidecar runs in: PrepareRestore reads the namespace's restore jobs. */
export interface PodAccess {
  kc: KubeConfig;
  me: PodIdentity;
}

/** Progress of a PrepareRestore goes to no MedusaTask status (the caller waits for the answer). */
const silentReporter: Reporter = { update: () => undefined, finish: async () => undefined };

export function medusaService(ctx: NodeContext, log: Logger, pod: PodAccess): MedusaService {
  const runs = new Map<string, BackupRun>();
  const pending = new Set<Promise<unknown>>();
  const definition = medusaPackage().Medusa as grpc.ServiceDefinition;

  /** Starts this node's backup and tracks it under its name until the process ends (Medusa's BackupMan). */
  function startBackup(request: BackupRequest): { name: string; done: Promise<void> } {
    const name = request.name || defaultBackupName();
    validateBackupName(name);
    const mode = request.mode === 'FULL' ? 'full' : 'differential';
    const run: BackupRun = { requested: new Date(), running: true };
    runs.set(name, run);
    log.info('gRPC backup', { backup: name, mode });
    const done = agentMetrics
      .record('backup', async () => {
        const result = await runBackup(ctx, {
          backupName: name,
          mode,
          filter: {},
          keepSnapshot: false,
          md5Checks: false,
        });
        agentMetrics.families.bytesUploaded.inc({}, result.bytesUploaded);
        return { phase: 'Succeeded' };
      })
      .then(
        () => undefined,
        (error: unknown) => {
          run.error = message(error);
          throw error;
        },
      )
      .finally(() => {
        run.running = false;
      });
    const tracked = done.catch(() => undefined);
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
    return { name, done };
  }

  const implementation: grpc.UntypedServiceImplementation = {
    Backup: unary(log, 'Backup', 'Failed to create sync backups', async (req: BackupRequest) => {
      const { name, done } = startBackup(req);
      await done;
      return { backupName: name, status: 'SUCCESS' } satisfies BackupResponse;
    }),

    AsyncBackup: unary(log, 'AsyncBackup', 'Failed to create async backup', async (req: BackupRequest) => {
      // The same name asked again while it runs: the running backup answers (no second run).
      const name = req.name || defaultBackupName();
      if (!runs.get(name)?.running) {
        const started = startBackup({ ...req, name });
        started.done.catch((error: unknown) =>
          log.error('gRPC async backup failed', { backup: name, error: message(error) }),
        );
      }
      return { backupName: name, status: 'IN_PROGRESS' } satisfies BackupResponse;
    }),

    BackupStatus: unary(
      log,
      'BackupStatus',
      'Failed to get backup status',
      async (req: BackupStatusRequest) => {
        const run = runs.get(req.backupName);
        const node = await ctx.catalog().nodeBackup(ctx.fqdn, req.backupName);
        if (!node) {
          // A run of ours that has not written its index entries yet is in progress, not unknown.
          if (run?.running)
            return {
              startTime: statusTime(run.requested.getTime() / 1000),
              finishTime: '',
              status: 'IN_PROGRESS',
            };
          throw new CallError(grpc.status.NOT_FOUND, `backup <${req.backupName}> does not exist`);
        }
        return {
          startTime: statusTime(node.started),
          finishTime: statusTime(node.finished),
          status: nodeBackupStatus(run, node.finished !== undefined),
        } satisfies BackupStatusResponse;
      },
    ),

    GetBackup: unary(log, 'GetBackup', 'Failed to get backup due to error', async (req: GetBackupRequest) => {
      const catalog = ctx.catalog();
      const backup = await catalog.clusterBackup(req.backupName);
      // Medusa's text: str(KeyError('The backup B does not exist')), quotes included.
      if (!backup) throw new Error(`'The backup ${req.backupName} does not exist'`);
      const summary = backupSummary(backup, await catalog.totals(backup));
      return { backup: summary, status: summary.status } satisfies GetBackupResponse;
    }),

    GetBackups: unary(log, 'GetBackups', 'Failed to get backups due to error', async () => {
      const catalog = ctx.catalog();
      const backups = [];
      for (const backup of await catalog.clusterBackups())
        backups.push(backupSummary(backup, await catalog.totals(backup)));
      return { backups, overallStatus: overallStatus(backups) } satisfies GetBackupsResponse;
    }),

    DeleteBackup: unary(log, 'DeleteBackup', 'deleting backups failed', async (req: DeleteBackupRequest) => {
      if (runs.get(req.name)?.running) {
        log.warn('gRPC delete of a running backup refused', { backup: req.name });
        return { name: req.name, status: 'FAILED' } satisfies DeleteBackupResponse;
      }
      await runDeleteBackup(ctx, [req.name], true);
      runs.delete(req.name);
      // Medusa's server answers UNKNOWN once the backup is deleted.
      return { name: req.name, status: 'UNKNOWN' } satisfies DeleteBackupResponse;
    }),

    PurgeBackups: unary(log, 'PurgeBackups', 'purging backups failed', async () => {
      const final = await agentMetrics.record('purge', () => purgeWork(ctx));
      return {
        nbBackupsPurged: final.nbBackupsPurged ?? 0,
        nbObjectsPurged: final.nbObjectsPurged ?? 0,
        totalPurgedSize: final.totalPurgedSize ?? 0,
        totalObjectsWithinGcGrace: final.totalObjectsWithinGcGrace ?? 0,
      } satisfies PurgeBackupsResponse;
    }),

    // The MedusaTask prepare_restore the sidecar runs (agent/pod/prepare-work.ts): stages and verifies
    // this node's backup under the restore key, for the medusa-restore init container to move into place.
    PrepareRestore: unary(
      log,
      'PrepareRestore',
      'Failed to prepare restore',
      async (req: PrepareRestoreRequest) => {
        const task: MedusaObject = {
          apiVersion,
          kind: 'MedusaTask',
          metadata: { name: `grpc-prepare-${req.restoreKey}`, namespace: pod.me.namespace },
          spec: { operation: 'prepare_restore', backupName: req.backupName, restoreKey: req.restoreKey },
        };
        const final = await agentMetrics.record('prepare_restore', () =>
          prepareWork(ctx, pod.kc, task, silentReporter, pod.me),
        );
        if (final.phase !== 'Succeeded') throw new Error(final.lastError ?? 'the preparation failed');
        return {};
      },
    ),
  };

  return {
    definition,
    implementation,
    settled: async () => {
      await Promise.all([...pending]);
    },
  };
}
