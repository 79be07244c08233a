// kubectl-style tables: upper-case headers, left-aligned columns three spaces apart.

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ansi, '').length;

export function renderTable(
  headers: string[],
  rows: string[][],
  options: { noHeaders?: boolean } = {},
): string {
  const all = options.noHeaders ? rows : [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, col) => Math.max(...all.map((row) => visibleLength(row[col] ?? ''))));
  return all
    .map((row) =>
      row
        .map((cell, col) =>
          col === row.length - 1 ? cell : cell + ' '.repeat((widths[col] ?? 0) - visibleLength(cell) + 3),
        )
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

/** Aligned "Key:  value" lines, as kubectl describe prints them; nested blocks are indented. */
export function renderFields(fields: [string, string][], indent = 0): string {
  const width = Math.max(0, ...fields.map(([key]) => key.length)) + 2;
  return fields.map(([key, value]) => `${' '.repeat(indent)}${`${key}:`.padEnd(width)}${value}`).join('\n');
}
