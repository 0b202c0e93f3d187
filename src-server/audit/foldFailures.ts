/**
 * Adjacent lines that say the same failure from the same client fold into one row with a
 * count ("3 failed backup codes from 5.6.7.8" rather than three rows); the page and the CLI
 * show rows, the API keeps every line.
 */
export function foldFailures<T extends { outcome: string; method: string; ip?: unknown; reason?: unknown }>(lines: T[]): Array<T & { repeat: number }> {
  const rows: Array<T & { repeat: number }> = [];
  for (const line of lines) {
    const prev = rows.at(-1);
    if (prev && line.outcome === 'failure' && prev.outcome === 'failure' && prev.method === line.method && prev.ip === line.ip && prev.reason === line.reason) {
      prev.repeat++;
      continue;
    }
    rows.push({ ...line, repeat: 1 });
  }
  return rows;
}
