import { openSync, fsyncSync, closeSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import writeFileAtomic from 'write-file-atomic';

/** The file exists but cannot be used: bad JSON, or JSON of the wrong shape. */
export class CorruptFileError extends Error {
  readonly code = 'store_corrupt';
  constructor(readonly file: string, detail: string) {
    super(`${file} is corrupt (${detail})`);
  }
}

/**
 * lowdb adapter whose writes survive `kill -9` and power loss: write-file-atomic writes a
 * temporary file with mode 0600, fsyncs it and renames it over the old one; we then fsync
 * the folder so the rename itself is durable before we acknowledge anything.
 */
export class AtomicJsonFile<T> implements Adapter<T> {
  constructor(
    private readonly file: string,
    private readonly isValid: (data: unknown) => data is T,
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new CorruptFileError(this.file, (err as Error).message);
    }
    if (!this.isValid(data)) throw new CorruptFileError(this.file, 'unexpected structure');
    return data;
  }

  async write(data: T): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, fsync: true });
    const dir = openSync(dirname(this.file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}
