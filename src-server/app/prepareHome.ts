import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { StartupError } from '../errors/LatchkeyError.ts';

/** The home folder: `--home`, else LATCHKEY_HOME, else ~/.latchkey. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.LATCHKEY_HOME ?? join(homedir(), '.latchkey'));
}

/** The files Latchkey keeps in its home folder; each is checked before anything reads it. */
export const HOME_FILES = ['config.json', 'trusted-passkeys.json', 'session-keys.json', 'tokens.json', 'audit.jsonl', 'server.lock'];

/**
 * Creates the home folder with mode 0700, tightening a looser one (SECURITY.md §5), then
 * refuses to start, as ssh does with ~/.ssh, when the folder or a file in it could have been
 * written by someone else: owned by another user, still writable by group or others, or
 * (for a store file) a symbolic link, which would send reads and writes somewhere else.
 * Such a folder's config.json could say require_auth:false, so it is never honoured.
 */
export function prepareHome(home: string, warn: (message: string) => void) {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  // The folder itself may be a link you made (dotfiles); what counts is who owns where it leads.
  const folder = statSync(home);
  if (!folder.isDirectory()) throw new StartupError('home_unsafe', `${home} is not a folder; point --home or LATCHKEY_HOME at a folder.`);
  if (uid !== undefined && folder.uid !== uid) {
    throw new StartupError('home_unsafe',
      `${home} belongs to another user (uid ${folder.uid}), so its files could have been written by them; refusing to start. Fix: sudo chown -R ${uid} ${home}, or remove it and start again.`);
  }
  // Windows keeps files private with ACLs (a profile folder is its user's alone); the POSIX mode
  // bits Node reports there are synthetic (0666 for any writable file), so they decide nothing.
  const posixModes = process.platform !== 'win32';
  const mode = folder.mode & 0o777;
  if (posixModes && mode & 0o077) {
    chmodSync(home, 0o700);
    warn(`${home} was readable by other users (mode ${mode.toString(8)}); it is now 0700.`);
  }
  if (posixModes && statSync(home).mode & 0o022) {
    throw new StartupError('home_unsafe', `${home} is still writable by other users after chmod 700; refusing to start. Fix: chmod 700 ${home}`);
  }
  for (const name of HOME_FILES) {
    const file = join(home, name);
    let st;
    try {
      st = lstatSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (st.isSymbolicLink() || !st.isFile()) {
      throw new StartupError('home_unsafe', `${file} is not a plain file (a symbolic link or a folder); refusing to start. Fix: replace it with the real file, or remove it.`);
    }
    if (uid !== undefined && st.uid !== uid) {
      throw new StartupError('home_unsafe', `${file} belongs to another user (uid ${st.uid}); refusing to start. Fix: sudo chown ${uid} ${file}, or remove it.`);
    }
    if (posixModes && st.mode & 0o022) {
      throw new StartupError('home_unsafe', `${file} is writable by other users (mode ${(st.mode & 0o777).toString(8)}); refusing to start. Fix: chmod 600 ${file}`);
    }
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

/** The server running on this home folder, from its `server.lock`, if one is alive and listening. */
export function runningServer(home: string): LockInfo | null {
  const held = readLock(join(home, 'server.lock'));
  return held && held.local && isAlive(held.pid) ? held : null;
}
