import { lstatSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { looksLikeToken } from '../tokens/tokenFormat.ts';
import { ClientError } from './ClientError.ts';

/** `$XDG_CONFIG_HOME/latchkey/cli.token`, else `~/.config/latchkey/cli.token`. */
export function tokenFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'latchkey', 'cli.token');
}

/**
 * The saved token, or null when there is none. A file other users can read is refused
 * rather than used: the token is as good as a password (SECURITY.md §5).
 */
export function readTokenFile(path: string): string | null {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return null;
  }
  if (!stat.isFile()) throw new ClientError('token_file_invalid', `${path} is not a regular file; remove it and run: latchkey auth login`);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new ClientError('token_file_insecure',
      `refusing to use ${path}: other users can read it (mode ${mode}); fix it with: chmod 600 ${path}`);
  }
  const token = readFileSync(path, 'utf8').trim();
  if (!looksLikeToken(token)) throw new ClientError('token_file_invalid', `${path} does not hold a Latchkey token; remove it and run: latchkey auth login`);
  return token;
}

export async function writeTokenFile(path: string, token: string) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Loaded here: only `auth login` writes the file, and every client command reads it.
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(path, `${token}\n`, { mode: 0o600, fsync: true });
}

export function removeTokenFile(path: string): boolean {
  try {
    lstatSync(path);
  } catch {
    return false;
  }
  rmSync(path);
  return true;
}

/** Where the token for this command comes from: `--token`, then LATCHKEY_API_TOKEN, then the token file. */
export function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv = process.env):
  { token: string; source: 'flag' | 'env' | 'file'; path?: string } | null {
  const given = flag ?? env.LATCHKEY_API_TOKEN;
  if (given !== undefined && given !== '') {
    const source = flag !== undefined ? 'flag' : 'env';
    if (!looksLikeToken(given.trim())) {
      throw new ClientError('token_invalid', `the token from ${source === 'flag' ? '--token' : 'LATCHKEY_API_TOKEN'} is not a Latchkey token (lk_sk_… or lk_at_…)`);
    }
    return { token: given.trim(), source };
  }
  const path = tokenFilePath(env);
  const token = readTokenFile(path);
  return token ? { token, source: 'file', path } : null;
}
