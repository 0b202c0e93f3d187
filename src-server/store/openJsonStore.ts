import { existsSync, renameSync } from 'node:fs';
import { Low } from 'lowdb';
import { AtomicJsonFile, CorruptFileError } from './AtomicJsonFile.ts';

/**
 * Opens one of the home folder's JSON stores through lowdb. A corrupt file is moved aside
 * and reported, never silently replaced (SECURITY.md §5); `recover` decides what the fresh
 * store holds, given where the old bytes went.
 */
export async function openJsonStore<T>(opts: {
  file: string;
  isValid: (data: unknown) => data is T;
  empty: () => T;
  recover: (aside: string) => T;
  warn: (message: string) => void;
  consequence: string;
}): Promise<Low<T>> {
  const db = new Low<T>(new AtomicJsonFile(opts.file, opts.isValid), opts.empty());
  try {
    await db.read();
    // Create the file on first start, so its mode (0600) and place are settled before any write that matters.
    if (!existsSync(opts.file)) await db.write();
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err;
    const aside = `${opts.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(opts.file, aside);
    opts.warn(`${err.message}. It was moved to ${aside}; ${opts.consequence} Restore the file from there if you can repair it.`);
    db.data = opts.recover(aside);
    await db.write();
  }
  return db;
}
