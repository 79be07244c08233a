import { medusaBackup } from './schemas/medusabackup.js';
import { medusaBackupJob } from './schemas/medusabackupjob.js';
import { medusaBackupSchedule } from './schemas/medusabackupschedule.js';
import { medusaConfiguration } from './schemas/medusaconfiguration.js';
import { medusaRestoreJob } from './schemas/medusarestorejob.js';
import { medusaTask } from './schemas/medusatask.js';

/** Every kind of the medusa.k8ssandra.io/v1alpha1 API, in install order. */
export const kinds = [
  medusaConfiguration,
  medusaBackupJob,
  medusaBackup,
  medusaBackupSchedule,
  medusaRestoreJob,
  medusaTask,
] as const;
