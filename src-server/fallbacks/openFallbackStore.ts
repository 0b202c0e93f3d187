import { join } from 'node:path';
import { openJsonStore } from '../store/openJsonStore.ts';
import type { FallbackMethod } from './fallbackMethods.ts';

/**
 * `fallbacks.json`: the fallback credentials, in their own file (mode 0600, atomic writes),
 * apart from the public data in trusted-passkeys.json. It holds only verifiers: argon2id
 * hashes of the password and of each backup code. The TOTP secret has to be kept as is
 * (RFC 6238 needs it to compute codes); it is the one secret here, hence the file's mode.
 */
export interface FallbackFile {
  version: 1;
  backup_codes: { created_at: string; codes: Array<{ hash: string; used_at: string | null }> } | null;
  /** `confirmed_at` null: enrolment started, not yet proven with a code, so not a way in. */
  totp: { secret: string; created_at: string; confirmed_at: string | null; last_step: number } | null;
  password: { hash: string; set_at: string } | null;
  email: { address: string; set_at: string } | null;
  last_used: Partial<Record<FallbackMethod, string>>;
}

const empty = (): FallbackFile => ({ version: 1, backup_codes: null, totp: null, password: null, email: null, last_used: {} });

function isFallbackFile(data: unknown): data is FallbackFile {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Partial<FallbackFile>;
  const objectOrNull = (v: unknown) => v === null || (typeof v === 'object' && !Array.isArray(v));
  return d.version === 1 && objectOrNull(d.backup_codes) && objectOrNull(d.totp) && objectOrNull(d.password) &&
    objectOrNull(d.email) && typeof d.last_used === 'object' && d.last_used !== null &&
    (d.backup_codes === null || Array.isArray(d.backup_codes?.codes)) &&
    (d.totp === null || (typeof d.totp?.secret === 'string' && typeof d.totp.last_step === 'number')) &&
    (d.password === null || typeof d.password?.hash === 'string') &&
    (d.email === null || typeof d.email?.address === 'string');
}

export type FallbackStore = Awaited<ReturnType<typeof openFallbackStore>>;

/** Opens fallbacks.json; a corrupt file is moved aside and every fallback starts off (the safe side). */
export async function openFallbackStore(home: string, warn: (message: string) => void) {
  const file = join(home, 'fallbacks.json');
  const db = await openJsonStore<FallbackFile>({
    file, isValid: isFallbackFile, warn, empty, recover: empty,
    consequence: 'Every sign-in fallback starts turned off; set them up again.',
  });

  return {
    file,
    data: (): Readonly<FallbackFile> => db.data,
    /**
     * Applies a change and writes it durably; the change is undone in memory if the write
     * fails, so what the server believes never differs from the disk.
     */
    async commit(change: (data: FallbackFile) => void) {
      const before = structuredClone(db.data);
      change(db.data);
      try {
        await db.write();
      } catch (err) {
        db.data = before;
        throw err;
      }
    },
  };
}
