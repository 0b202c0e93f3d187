import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { ClientError } from '../src-server/client/ClientError.ts';

/** Asks twice on the terminal, without echo; a typo in a password nobody sees would lock its owner out. */
export async function readPasswordTwice(): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new ClientError('no_terminal', 'no terminal to read the password from: pipe it in with --stdin');
  }
  // Loaded here: only `fallback password set` prompts.
  const { read } = await import('read');
  const first = await read({ prompt: 'New password: ', silent: true, replace: '', output: process.stderr });
  const second = await read({ prompt: 'Repeat it: ', silent: true, replace: '', output: process.stderr });
  if (first !== second) throw new ClientError('password_mismatch', 'the two passwords differ; nothing was changed');
  return first;
}

/** The code the requesting device shows, asked on the terminal; without one, it must come as --code. */
export async function readApprovalCode(): Promise<string> {
  if (!process.stdin.isTTY) throw new ClientError('code_required', 'no terminal to ask for the code on: give the code the device shows with --code NN');
  const { read } = await import('read');
  const code = (await read({ prompt: 'Code shown on the device: ', output: process.stderr })).trim();
  if (!/^\d{2}$/.test(code)) throw new ClientError('invalid_code', 'the code is the two digits the requesting device shows; nothing was approved');
  return code;
}

/** The first line of standard input, without its line ending. */
export async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new ClientError('empty_password', 'standard input held no password');
  return line;
}

/**
 * Creates the file secrets will go to (it must not exist yet; mode 0600) before they are
 * made, so a bad path fails first instead of after the old secrets were already voided.
 * Returns how to fill it, or to remove it when nothing came.
 */
export function createSecretFile(path: string) {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ClientError('file_not_written', code === 'EEXIST' ? `${path} already exists; choose a new file name` : `cannot create ${path} (${code})`);
  }
  return {
    fill(text: string) {
      writeSync(fd, text);
      closeSync(fd);
    },
    discard() {
      closeSync(fd);
      unlinkSync(path);
    },
  };
}
