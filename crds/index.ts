// The medusa.k8ssandra.io/v1alpha1 API: schemas, types, names and validation helpers.
import { medusaBackup, type MedusaBackup } from './schemas/medusabackup.js';
import { medusaBackupJob, type MedusaBackupJob } from './schemas/medusabackupjob.js';
import { medusaBackupSchedule, type MedusaBackupSchedule } from './schemas/medusabackupschedule.js';
import { medusaConfiguration, type MedusaConfiguration } from './schemas/medusaconfiguration.js';
import { medusaRestoreJob, type MedusaRestoreJob } from './schemas/medusarestorejob.js';
import { medusaTask, type MedusaTask } from './schemas/medusatask.js';
import { validateKind, type ValidateOptions, type ValidationResult } from './validate.js';

export {
  apiVersion,
  group,
  version,
  nodePhases,
  backupTypes,
  conditionSchema,
  nodeProgressSchema,
} from './common.js';
export type { CelValidation } from './common.js';
export * from './binding.js';
export * from './k8ssandra.js';
export { kinds } from './kinds.js';
export type { KindDefinition, PrinterColumn } from './define-kind.js';
export { buildCrd } from './crd.js';
export { renderCrdFiles, renderChartCrdFiles, crdFileName, bundleFileName } from './render.js';
export {
  formatPath,
  validateKind,
  type FieldError,
  type ValidateOptions,
  type ValidationResult,
} from './validate.js';
export * from './schemas/storage.js';
export * from './schemas/container.js';
export * from './schemas/medusabackupjob.js';
export * from './schemas/medusabackup.js';
export * from './schemas/medusabackupschedule.js';
export * from './schemas/medusarestorejob.js';
export * from './schemas/medusatask.js';
export * from './schemas/medusaconfiguration.js';

/** Plural resource names, for REST paths and kubectl. */
export const plurals = {
  MedusaBackupJob: medusaBackupJob.plural,
  MedusaBackup: medusaBackup.plural,
  MedusaBackupSchedule: medusaBackupSchedule.plural,
  MedusaRestoreJob: medusaRestoreJob.plural,
  MedusaTask: medusaTask.plural,
  MedusaConfiguration: medusaConfiguration.plural,
} as const;

export type MedusaKind = keyof typeof plurals;
export type MedusaObject =
  MedusaBackupJob | MedusaBackup | MedusaBackupSchedule | MedusaRestoreJob | MedusaTask | MedusaConfiguration;

export const validateMedusaBackupJob = (
  obj: unknown,
  options?: ValidateOptions,
): ValidationResult<MedusaBackupJob> => validateKind(medusaBackupJob, obj, options);
export const validateMedusaBackup = (
  obj: unknown,
  options?: ValidateOptions,
): ValidationResult<MedusaBackup> => validateKind(medusaBackup, obj, options);
export const validateMedusaBackupSchedule = (
  obj: unknown,
  options?: ValidateOptions,
): ValidationResult<MedusaBackupSchedule> => validateKind(medusaBackupSchedule, obj, options);
export const validateMedusaRestoreJob = (
  obj: unknown,
  options?: ValidateOptions,
): ValidationResult<MedusaRestoreJob> => validateKind(medusaRestoreJob, obj, options);
export const validateMedusaTask = (obj: unknown, options?: ValidateOptions): ValidationResult<MedusaTask> =>
  validateKind(medusaTask, obj, options);
export const validateMedusaConfiguration = (
  obj: unknown,
  options?: ValidateOptions,
): ValidationResult<MedusaConfiguration> => validateKind(medusaConfiguration, obj, options);

/** validate<Kind> by kind name, for callers (webhook, plugin) that handle any Medusa object. */
export const validators: {
  [K in MedusaKind]: (obj: unknown, options?: ValidateOptions) => ValidationResult<MedusaObject>;
} = {
  MedusaBackupJob: validateMedusaBackupJob,
  MedusaBackup: validateMedusaBackup,
  MedusaBackupSchedule: validateMedusaBackupSchedule,
  MedusaRestoreJob: validateMedusaRestoreJob,
  MedusaTask: validateMedusaTask,
  MedusaConfiguration: validateMedusaConfiguration,
};
