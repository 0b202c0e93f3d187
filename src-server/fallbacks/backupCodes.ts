import { randomInt } from 'node:crypto';

export const BACKUP_CODE_COUNT = 10;
// Crockford-style base32 without i, l, o, u: nothing to misread when typing from paper. 10 characters = 50 bits.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Ten new codes, `xxxxx-xxxxx`, from the system's CSPRNG. */
export function newBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/**
 * How a typed code is compared: case, spaces and the dash do not matter, and the letters
 * people confuse with digits are read as those digits. Null if it cannot be a code at all.
 */
export function normalizeBackupCode(typed: string): string | null {
  const plain = typed.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  if (plain.length !== 10 || [...plain].some((c) => !ALPHABET.includes(c))) return null;
  return `${plain.slice(0, 5)}-${plain.slice(5)}`;
}
