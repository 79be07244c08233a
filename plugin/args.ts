// Argument shapes shared by the command modules (no runtime imports: kept light for --help).
import type { ColorMode } from './io.js';
import type { OutputFormat } from './printers/output.js';

export interface GlobalArgs {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  output?: OutputFormat;
  color?: ColorMode;
  headers?: boolean;
  debug?: boolean;
}

export interface WaitArgs {
  wait?: boolean;
  timeout?: string;
  dryRun?: boolean;
}

export interface BackupArgs extends GlobalArgs, WaitArgs {
  datacenter: string;
  name?: string;
  type?: 'full' | 'differential';
  keyspaces?: string[];
  exclude?: string[];
}

export interface RestoreArgs extends GlobalArgs, WaitArgs {
  backup: string;
  dc?: string;
  name?: string;
  keyspaces?: string[];
  exclude?: string[];
  /** false with --no-staging: the job opts out of staging (downloads while the datacenter is stopped). */
  staging?: boolean;
}

export interface ScheduleCreateArgs extends GlobalArgs {
  name: string;
  dc: string;
  cron: string;
  type?: 'full' | 'differential';
  timezone?: string;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  operation?: 'backup' | 'purge';
  suspend?: boolean;
  dryRun?: boolean;
}

export interface NameArgs extends GlobalArgs {
  name: string;
}

export interface TaskArgs extends GlobalArgs, WaitArgs {
  operation: 'sync' | 'purge' | 'verify';
  datacenter: string;
  backup?: string;
  name?: string;
}

export interface StatusArgs extends GlobalArgs {
  datacenter?: string;
}
