export * from './types.js';
export {
  ConfigError,
  formatMedusaIni,
  formatSizeForIni,
  loadMedusaIni,
  medusaConfig,
  parseMedusaIni,
} from './medusa-ini.js';
export type { ParsedMedusaIni } from './medusa-ini.js';
export {
  applyEnvironment,
  applyK8sSecrets,
  applyOverrides,
  effectiveConfig,
  resolveFqdn,
  type ConfigOverrides,
} from './environment.js';
export { formatIni, IniSyntaxError, parseIni } from './ini.js';
