import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { firstSeq } from './auditFiles.ts';

/**
 * Files written before events had sequence numbers are numbered once, in place (temp file,
 * fsync, rename), so paging can find any event by its number. Only the live file can be of
 * that age: rotation came with the numbers.
 */
export function migrateLegacyAudit(file: string) {
  if (statSync(file).size === 0 || firstSeq(file) !== null) return;
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  let seq = 0;
  const numbered = lines.map((line) => {
    try {
      const event = JSON.parse(line) as Record<string, unknown>;
      const { seq: _old, ...rest } = event;
      return JSON.stringify({ seq: ++seq, ...rest });
    } catch {
      // A torn line stays what it is: the reader skips it and says so.
      return line;
    }
  });
  const temp = `${file}.migrating`;
  writeFileSync(temp, numbered.map((l) => `${l}\n`).join(''), { mode: 0o600 });
  const fd = openSync(temp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temp, file);
}
