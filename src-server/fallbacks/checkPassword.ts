import { LatchkeyError } from '../errors/LatchkeyError.ts';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

let common: Set<string> | undefined;

/** zxcvbn-ts's list of ~49,000 common passwords, loaded the first time a password is set. */
async function commonPasswords(): Promise<Set<string>> {
  if (!common) {
    const { dictionary } = await import('@zxcvbn-ts/language-common');
    common = new Set(dictionary['passwords-common'].map((p: string) => p.toLowerCase()));
  }
  return common;
}

/** Passwords are compared as typed, after Unicode NFC (a phone and a laptop may compose "é" differently). */
export const normalizePassword = (password: string) => password.normalize('NFC');

/** NIST SP 800-63B: a length floor and a blocklist, no composition rules. */
export async function checkNewPassword(password: string): Promise<string> {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new LatchkeyError('password_too_short', `The password must be at least ${MIN_PASSWORD_LENGTH} characters (it has ${length}).`, 400);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new LatchkeyError('password_too_long', `The password must be at most ${MAX_PASSWORD_LENGTH} characters.`, 400);
  }
  const list = await commonPasswords();
  const lower = normalized.toLowerCase();
  // "password1234" is "password" with digits: check the word without a trailing number or symbol too.
  if (list.has(lower) || list.has(lower.replace(/[\d\W_]+$/u, '')) || new Set(lower).size <= 2) {
    throw new LatchkeyError('password_too_common', 'That password is among the most common ones and would be guessed quickly. Choose another.', 400);
  }
  return normalized;
}
