// A bucket prefix: the top-level folder of one cluster's backups. The rule is the storage
// layer's (lib/storage/repository/names.ts), so the webhook admits exactly what the agent accepts.
export { prefixProblems } from '../../lib/storage/repository/names.js';
