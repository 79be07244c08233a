/**
 * Medusa's size strings: `50MB`, `20MB`, `50MB/s`, `1024` (bytes). Units are powers of 1024,
 * as in medusa/utils.py; a trailing `/s` is accepted for bandwidth values.
 */
const UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  PB: 1024 ** 5,
};

export function parseSize(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid size ${value}`);
    return Math.floor(value);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?B)?\s*(?:\/s)?\s*$/i.exec(value);
  if (!match)
    throw new Error(`invalid size '${value}': expected a number with an optional B/KB/MB/GB/TB/PB unit`);
  const unit = UNITS[(match[2] ?? 'B').toUpperCase()] ?? 1;
  return Math.floor(Number(match[1]) * unit);
}

/** Human form with two decimals, base 1024, as `medusa status` prints it. */
export function formatSize(bytes: number): string {
  const names = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < names.length - 1) {
    value /= 1024;
    index += 1;
  }
  return `${value.toFixed(2)} ${names[index]}`;
}
