import { readFile } from 'node:fs/promises';
import { parseBandwidth, parseSize } from '../../lib/units.js';
import { formatIni, parseIni, type IniSections } from './ini.js';
import { sectionNames, sectionSpecs, type KeySpec, type SectionName } from './schema.js';
import type { MedusaConfig, MedusaConfigInput } from './types.js';

/** A medusa.ini value that does not fit its key; the message names `[section] key`. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly section?: string,
    readonly key?: string,
  ) {
    super(section && key ? `[${section}] ${key}: ${message}` : message);
    this.name = 'ConfigError';
  }
}

export interface ParsedMedusaIni {
  config: MedusaConfig;
  /** Unknown sections and keys: Medusa ignores them, so do we, but they are usually typos. */
  warnings: string[];
}

const trueWords = ['1', 'true', 'yes', 'on'];
const falseWords = ['0', 'false', 'no', 'off'];

/** Refuses a number outside the key's bounds (Medusa would take it and fail, or misbehave, later). */
function inRange(section: string, spec: KeySpec, text: string, value: number): number {
  const { min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = spec;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const bounds = spec.max === undefined ? `at least ${min}` : `${min} to ${max}`;
    throw new ConfigError(`'${text}' is out of range (${bounds})`, section, spec.key);
  }
  return value;
}

function convert(section: string, spec: KeySpec, text: string): unknown {
  const fail = (what: string) => new ConfigError(`'${text}' is not ${what}`, section, spec.key);
  switch (spec.type) {
    case 'string':
      return text;
    case 'int':
      if (!/^-?\d+$/.test(text)) throw fail('an integer');
      return inRange(section, spec, text, Number(text));
    case 'bool':
      if (trueWords.includes(text.toLowerCase())) return true;
      if (falseWords.includes(text.toLowerCase())) return false;
      throw fail('a boolean (true/false, yes/no, on/off, 1/0)');
    case 'size': {
      let bytes: number;
      try {
        bytes = parseSize(text);
      } catch {
        throw fail('a size (examples: 20MB, 50MiB, 1048576)');
      }
      return inRange(section, spec, text, bytes);
    }
    case 'bandwidth': {
      let rate: number;
      try {
        rate = /\/\s*s\s*$/i.test(text) ? parseBandwidth(text) : parseSize(text);
      } catch {
        throw fail('a bandwidth (example: 50MB/s)');
      }
      return inRange(section, spec, text, rate);
    }
  }
}

/** Builds one typed section from raw strings: Medusa's defaults, then the given values. */
function buildSection(name: SectionName, raw: Map<string, string>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const spec of sectionSpecs[name] as readonly KeySpec[]) {
    let text = raw.get(spec.key);
    // An empty value means "not set" for keys Medusa leaves unset and for non-string keys.
    if (text === '' && (spec.default === undefined || spec.type !== 'string')) text = undefined;
    // Python writes "None" for a missing cassandra_url; treat it as unset.
    if (text === 'None' && spec.default === undefined) text = undefined;
    text ??= spec.default;
    if (text === undefined) {
      if (spec.required) throw new ConfigError('is required', name, spec.key);
      continue;
    }
    result[spec.prop] = convert(name, spec, text);
  }
  return result;
}

function validate(config: MedusaConfig): void {
  const { storage } = config;
  const provider = storage.storageProvider;
  const known = ['local', 'google_storage', 'azure_blobs', 'ibm_storage'];
  if (!known.includes(provider) && !provider.startsWith('s3')) {
    throw new ConfigError(
      `'${provider}' is not a storage provider (local, s3, s3_compatible, s3_rgw, ibm_storage, google_storage, azure_blobs)`,
      'storage',
      'storage_provider',
    );
  }
  if (storage.bucketName.includes('/')) {
    throw new ConfigError(`'${storage.bucketName}' must not contain '/'`, 'storage', 'bucket_name');
  }
  if (storage.prefix !== undefined) {
    if (storage.prefix.includes('/')) {
      throw new ConfigError(`'${storage.prefix}' must not contain '/'`, 'storage', 'prefix');
    }
    // Medusa treats a one-character prefix as no prefix for index paths only: refuse it.
    if (storage.prefix.length === 1) {
      throw new ConfigError(
        `'${storage.prefix}' is one character long; use at least two`,
        'storage',
        'prefix',
      );
    }
  }
  if (storage.fqdn !== undefined && storage.fqdn.includes('/')) {
    throw new ConfigError(`'${storage.fqdn}' must not contain '/'`, 'storage', 'fqdn');
  }
  if (provider === 'local' && !storage.basePath) {
    throw new ConfigError('is required for storage_provider = local', 'storage', 'base_path');
  }
  if (!['auto', 'path', 'virtual'].includes(storage.s3AddressingStyle)) {
    throw new ConfigError(
      `'${storage.s3AddressingStyle}' is not one of auto, path, virtual`,
      'storage',
      's3_addressing_style',
    );
  }
  if (!['cql', 'thrift', 'all'].includes(config.checks.healthCheck)) {
    throw new ConfigError(
      `'${config.checks.healthCheck}' is not one of cql, thrift, all`,
      'checks',
      'health_check',
    );
  }
}

function fromSections(sections: IniSections, warnings: string[]): MedusaConfig {
  for (const [name, entries] of sections) {
    if (!sectionNames.includes(name as SectionName)) {
      warnings.push(`unknown section [${name}] is ignored`);
      continue;
    }
    const keys = new Set((sectionSpecs[name as SectionName] as readonly KeySpec[]).map((s) => s.key));
    for (const key of entries.keys()) {
      if (!keys.has(key)) warnings.push(`unknown key [${name}] ${key} is ignored`);
    }
  }
  if (!sections.has('storage')) throw new ConfigError('the [storage] section is missing');
  const config = Object.fromEntries(
    sectionNames.map((name) => [name, buildSection(name, sections.get(name) ?? new Map())]),
  ) as unknown as MedusaConfig;
  validate(config);
  return config;
}

/** Parses medusa.ini text into a typed config with Medusa's defaults applied. */
export function parseMedusaIni(text: string, source?: string): ParsedMedusaIni {
  const warnings: string[] = [];
  const config = fromSections(parseIni(text, source), warnings);
  return { config, warnings };
}

/** Reads and parses a medusa.ini file. */
export async function loadMedusaIni(path: string): Promise<ParsedMedusaIni> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  return parseMedusaIni(text, path);
}

/** A complete config from a partial one (the keys a user would write), with Medusa's defaults. */
export function medusaConfig(input: MedusaConfigInput): MedusaConfig {
  const sections: IniSections = new Map();
  for (const name of sectionNames) {
    const given = (input as Record<string, Record<string, unknown> | undefined>)[name];
    if (!given) continue;
    sections.set(name, toRaw(name, given, false));
  }
  return fromSections(sections, []);
}

const sizeUnits: [string, number][] = [
  ['TB', 1024 ** 4],
  ['GB', 1024 ** 3],
  ['MB', 1024 ** 2],
  ['KB', 1024],
];

/** Bytes in Medusa's notation: the largest unit that divides exactly (20971520 -> "20MB"). */
export function formatSizeForIni(bytes: number): string {
  for (const [unit, factor] of sizeUnits) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

function formatValue(spec: KeySpec, value: unknown): string {
  switch (spec.type) {
    case 'bool':
      return value ? 'True' : 'False';
    case 'size':
      return formatSizeForIni(value as number);
    case 'bandwidth':
      return `${formatSizeForIni(value as number)}/s`;
    default:
      return String(value);
  }
}

function toRaw(
  name: SectionName,
  values: Record<string, unknown>,
  onlyChanged: boolean,
): Map<string, string> {
  const raw = new Map<string, string>();
  for (const spec of sectionSpecs[name] as readonly KeySpec[]) {
    const value = values[spec.prop];
    if (value === undefined) continue;
    const text = formatValue(spec, value);
    if (onlyChanged && !spec.required && spec.default !== undefined) {
      const defaultValue = convert(name, spec, spec.default);
      if (defaultValue === value) continue;
    }
    raw.set(spec.key, text);
  }
  return raw;
}

/**
 * Writes a config as medusa.ini that cassandra-medusa reads back to the same values. Keys equal to
 * Medusa's default are left out unless `complete` is set; sections left empty are omitted.
 */
export function formatMedusaIni(config: MedusaConfig, options: { complete?: boolean } = {}): string {
  const sections: IniSections = new Map();
  for (const name of sectionNames) {
    const raw = toRaw(name, config[name] as unknown as Record<string, unknown>, !options.complete);
    if (raw.size > 0) sections.set(name, raw);
  }
  return formatIni(sections);
}
