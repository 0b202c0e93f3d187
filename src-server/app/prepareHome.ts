import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { StartupError } from '../errors/LatchkeyError.ts';

/** The home folder: `--home`, else LATCHKEY_HOME, else ~/.latchkey. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.LATCHKEY_HOME ?? join(homedir(), '.latchkey'));
}

/** Creates the home folder with mode 0700, tightening a looser one (SECURITY.md §5). */
export function prepareHome(home: string, warn: (message: string) => void) {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const mode = statSync(home).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(home, 0o700);
    warn(`${home} was readable by other users (mode ${mode.toString(8)}); it is now 0700.`);
  }
}

export interface LockInfo {
  pid: number;
  local?: string;
  remote?: string;
  started_at: string;
}

/**
 * Takes `server.lock` so that only one server ever writes this home folder. A lock left by
 * a process that is gone (crash, kill -9) is taken over; a live one stops the start with a
 * message naming it.
 */
export function acquireHomeLock(home: string) {
  const file = join(home, 'server.lock');
  const info: LockInfo = { pid: process.pid, started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      return {
        update(extra: Partial<LockInfo>) {
          Object.assign(info, extra);
          const fd2 = openSync(file, 'w', 0o600);
          writeSync(fd2, JSON.stringify(info));
          closeSync(fd2);
        },
        release() {
          try {
            const held = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
            if (held.pid === process.pid) unlinkSync(file);
          } catch {
            // Already gone or unreadable: nothing of ours to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readLock(file);
      if (held && isAlive(held.pid)) {
        const where = held.local ? ` at ${held.local}` : '';
        throw new StartupError('home_locked', `another Latchkey server (pid ${held.pid}${where}) is already using ${home}; stop it first or use --home`);
      }
      unlinkSync(file);
    }
  }
  throw new StartupError('home_locked', `could not take ${file}`);
}

function readLock(file: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
