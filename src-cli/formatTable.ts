/** Plain aligned columns for people; --json is the stable format for scripts. */
export function formatTable(rows: Record<string, unknown>[], columns: string[], empty: string): string {
  if (rows.length === 0) return empty;
  const cells = [columns, ...rows.map((r) => columns.map((c) => (r[c] == null ? '-' : String(r[c]))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
