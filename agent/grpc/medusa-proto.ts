// cassandra-medusa's gRPC service (medusa/service/grpc/medusa.proto, release 0.31), written out here
// as a protobufjs JSON descriptor: the same service, message and enum names, field numbers and types,
// in no package (Medusa's proto declares none, so the method paths are `/Medusa/<Method>`).
// k8ssandra-operator's client is generated from that proto: what it sends must decode here unchanged.
import * as protoLoader from '@grpc/proto-loader';

const str = (id: number) => ({ type: 'string', id });
const int32 = (id: number) => ({ type: 'int32', id });
const int64 = (id: number) => ({ type: 'int64', id });
const status = (id: number) => ({ type: 'StatusType', id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const rpc = (name: string, request = `${name}Request`, response = `${name}Response`) => ({
  [name]: { requestType: request, responseType: response },
});

export const medusaDescriptor = {
  nested: {
    Medusa: {
      methods: {
        ...rpc('Backup', 'BackupRequest', 'BackupResponse'),
        ...rpc('AsyncBackup', 'BackupRequest', 'BackupResponse'),
        ...rpc('BackupStatus'),
        ...rpc('DeleteBackup'),
        ...rpc('GetBackup'),
        ...rpc('GetBackups'),
        ...rpc('PurgeBackups'),
        ...rpc('PrepareRestore'),
      },
    },
    StatusType: { values: { IN_PROGRESS: 0, SUCCESS: 1, FAILED: 2, UNKNOWN: 3 } },
    BackupRequest: {
      fields: { name: str(1), mode: { type: 'Mode', id: 2 } },
      nested: { Mode: { values: { DIFFERENTIAL: 0, FULL: 1 } } },
    },
    BackupResponse: { fields: { backupName: str(1), status: status(2) } },
    BackupStatusRequest: { fields: { backupName: str(1) } },
    BackupStatusResponse: { fields: { startTime: str(1), finishTime: str(2), status: status(3) } },
    DeleteBackupRequest: { fields: { name: str(1) } },
    DeleteBackupResponse: { fields: { name: str(1), status: status(2) } },
    GetBackupRequest: { fields: { backupName: str(1) } },
    GetBackupResponse: { fields: { backup: { type: 'BackupSummary', id: 1 }, status: status(2) } },
    GetBackupsRequest: { fields: {} },
    GetBackupsResponse: { fields: { backups: repeated('BackupSummary', 1), overallStatus: status(2) } },
    BackupSummary: {
      fields: {
        backupName: str(1),
        startTime: int64(2),
        finishTime: int64(3),
        totalNodes: int32(4),
        finishedNodes: int32(5),
        nodes: repeated('BackupNode', 6),
        status: status(7),
        backupType: str(8),
        totalSize: int64(9),
        totalObjects: int64(10),
      },
    },
    BackupNode: {
      fields: { host: str(1), tokens: repeated('int64', 2), datacenter: str(3), rack: str(4) },
    },
    PurgeBackupsRequest: { fields: {} },
    PurgeBackupsResponse: {
      fields: {
        nbBackupsPurged: int32(1),
        nbObjectsPurged: int32(2),
        totalPurgedSize: int64(3),
        totalObjectsWithinGcGrace: int32(4),
      },
    },
    PrepareRestoreRequest: { fields: { backupName: str(1), datacenter: str(2), restoreKey: str(3) } },
    PrepareRestoreResponse: { fields: {} },
  },
};

/**
 * Requests decode with enum names and 64-bit integers as decimal strings (tokens exceed a JS
 * number), every field present with its proto3 default.
 */
export const loaderOptions: protoLoader.Options = { longs: String, enums: String, defaults: true };

export function medusaPackage(): protoLoader.PackageDefinition {
  // protobufjs' INamespace types want every optional descriptor key (comments...): the shape is checked at load.
  return protoLoader.fromJSON(medusaDescriptor as Parameters<typeof protoLoader.fromJSON>[0], loaderOptions);
}

export type StatusType = 'IN_PROGRESS' | 'SUCCESS' | 'FAILED' | 'UNKNOWN';

export interface BackupRequest {
  name: string;
  mode: 'DIFFERENTIAL' | 'FULL';
}
export interface BackupResponse {
  backupName: string;
  status: StatusType;
}
export interface BackupStatusRequest {
  backupName: string;
}
export interface BackupStatusResponse {
  startTime: string;
  finishTime: string;
  status: StatusType;
}
export interface DeleteBackupRequest {
  name: string;
}
export interface DeleteBackupResponse {
  name: string;
  status: StatusType;
}
export interface GetBackupRequest {
  backupName: string;
}
export interface BackupNode {
  host: string;
  /** Decimal strings. */
  tokens: string[];
  datacenter: string;
  rack: string;
}
export interface BackupSummary {
  backupName: string;
  /** Epoch seconds, 0 when unknown. */
  startTime: number;
  finishTime: number;
  totalNodes: number;
  finishedNodes: number;
  nodes: BackupNode[];
  status: StatusType;
  backupType: 'differential' | 'full';
  totalSize: number;
  totalObjects: number;
}
export interface GetBackupResponse {
  backup: BackupSummary;
  status: StatusType;
}
export interface GetBackupsResponse {
  backups: BackupSummary[];
  overallStatus: StatusType;
}
export interface PurgeBackupsResponse {
  nbBackupsPurged: number;
  nbObjectsPurged: number;
  totalPurgedSize: number;
  totalObjectsWithinGcGrace: number;
}
export interface PrepareRestoreRequest {
  backupName: string;
  datacenter: string;
  restoreKey: string;
}
