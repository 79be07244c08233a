// Sizes, bandwidths and ages as the Cassandra/Medusa ecosystem writes them.

const binary: Record<string, number> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
  P: 1024 ** 5,
};

/**
 * Parses a size such as "100MB", "64 MiB", "1.5G", "512k" or "1048576" into bytes.
 * Medusa treats KB/MB/GB as powers of 1024 (as do Kubernetes users reading its docs), so both
 * "MB" and "MiB" mean 1024^2 here. Throws with the offending text when it is not a size.
 */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) throw new Error(`'${text}' is not a size (examples: 100MB, 64MiB, 1G, 1048576)`);
  const multiplier = binary[(match[2] ?? '').toUpperCase()] ?? 1;
  return Math.round(Number(match[1]) * multiplier);
}

/** Parses a bandwidth such as "50MB/s" (Medusa's transfer_max_bandwidth) into bytes per second. */
export function parseBandwidth(text: string): number {
  const match = /^\s*(.+?)\s*\/\s*s\s*$/i.exec(text);
  if (!match?.[1]) throw new Error(`'${text}' is not a bandwidth (example: 50MB/s)`);
  return parseSize(match[1]);
}

/**
 * Bytes as k8ssandra-operator writes MedusaBackup.status.totalSize: divided by 1024 while >= 1024,
 * two decimals, units B KB MB GB TB PB ("241.61 KB").
 */
export function humanizeBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}

/** Parses humanizeBytes' output (and plain numbers) back into bytes, approximately. */
export function parseHumanBytes(text: string): number {
  return parseSize(text.replace(/\s+/g, ''));
}

/** An age the way kubectl prints it: 45s, 12m, 3h, 3h5m, 2d, 2d3h, 400d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y${d % 365 ? `${d % 365}d` : ''}`;
}

/** A duration for progress lines: 5s, 2m05s, 1h02m. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
