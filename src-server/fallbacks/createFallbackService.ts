import { EventEmitter } from 'node:events';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { Clock } from '../time/Clock.ts';
import { newBackupCodes, normalizeBackupCode } from './backupCodes.ts';
import { checkNewPassword, normalizePassword } from './checkPassword.ts';
import { FALLBACK_METHODS, type FallbackMethod } from './fallbackMethods.ts';
import type { FallbackStore } from './openFallbackStore.ts';
import { hashSecret, verifySecret } from './hashSecret.ts';
import { newTotpSecret, totpStep } from './totp.ts';

/** What a wrong credential was, for the audit (never the credential itself). */
export type FallbackRefusal = 'wrong_code' | 'code_used' | 'wrong_password' | 'totp_required' | 'wrong_password_or_code';

export type FallbackService = ReturnType<typeof createFallbackService>;

/**
 * The fallback credentials: setting them up (from the computer only; the routes enforce
 * that) and checking them. Every check that consumes something (a backup code, a TOTP
 * step) marks it used synchronously, after the slow hash, before anything is awaited, so two
 * parallel requests with the same code cannot both succeed.
 */
export function createFallbackService(store: FallbackStore, clock: Clock, opts: { emailAvailable: boolean; host: () => string }) {
  const events = new EventEmitter();
  const now = () => new Date(clock.now()).toISOString();

  const isOn = (method: FallbackMethod): boolean => {
    const d = store.data();
    if (method === 'backup-code') return d.backup_codes !== null;
    if (method === 'totp') return Boolean(d.totp?.confirmed_at);
    if (method === 'password') return d.password !== null;
    return d.email !== null && opts.emailAvailable;
  };

  /**
   * Accepts a current code once: its step is stored as used in the same synchronous stretch
   * as the check (commit applies the change before it awaits the write), so a code from the
   * step already used, or an earlier one, is refused, even to a parallel request.
   */
  async function useTotpCode(code: string): Promise<FallbackRefusal | null> {
    const enrolled = store.data().totp;
    if (!enrolled?.confirmed_at) return 'wrong_code';
    const step = await totpStep(enrolled.secret, code, clock.now());
    if (step === null) return 'wrong_code';
    // Read again after the await: a parallel request may have spent this step, or TOTP was turned off.
    const totp = store.data().totp;
    if (totp?.secret !== enrolled.secret || !totp.confirmed_at) return 'wrong_code';
    if (step <= totp.last_step) return 'code_used';
    const at = now();
    await store.commit((d) => {
      d.totp!.last_step = step;
      d.last_used.totp = at;
    });
    return null;
  }

  return {
    events,
    isOn,
    methodsOn: (): FallbackMethod[] => FALLBACK_METHODS.filter(isOn),
    /** With TOTP on, a password alone is not enough: the password form asks for both. */
    passwordNeedsTotp: () => isOn('password') && isOn('totp'),

    status() {
      const d = store.data();
      const used = d.last_used;
      return {
        backup_codes: {
          enabled: isOn('backup-code'),
          left: d.backup_codes?.codes.filter((c) => !c.used_at).length ?? 0,
          created_at: d.backup_codes?.created_at ?? null,
          last_used_at: used['backup-code'] ?? null,
        },
        totp: { enabled: isOn('totp'), enrolling: d.totp !== null && !d.totp.confirmed_at, last_used_at: used.totp ?? null },
        password: { enabled: isOn('password'), set_at: d.password?.set_at ?? null, with_totp: isOn('password') && isOn('totp'), last_used_at: used.password ?? null },
        email: { enabled: isOn('email'), address: d.email?.address ?? null, smtp_configured: opts.emailAvailable, last_used_at: used.email ?? null },
      };
    },

    /** Ten new codes, shown once; only their hashes are kept, and the old set is void. */
    async generateBackupCodes(): Promise<string[]> {
      const codes = newBackupCodes();
      const hashes = await Promise.all(codes.map(hashSecret));
      await store.commit((d) => {
        d.backup_codes = { created_at: now(), codes: hashes.map((hash) => ({ hash, used_at: null })) };
      });
      return codes;
    },

    /** Starts (or restarts) enrolment; TOTP is not a way in until `confirmTotp` sees a current code. */
    async startTotp(): Promise<{ uri: string; secret: string; qr: string }> {
      const label = `Latchkey (${opts.host()})`;
      const { secret, uri } = await newTotpSecret(label);
      await store.commit((d) => {
        d.totp = { secret, created_at: now(), confirmed_at: null, last_step: 0 };
      });
      return { uri, secret, qr: await (await import('qrcode')).default.toDataURL(uri, { margin: 1 }) };
    },

    async confirmTotp(code: string) {
      const totp = store.data().totp;
      if (!totp) throw new LatchkeyError('totp_not_started', 'Set up the authenticator app first: latchkey fallback totp enable', 409);
      if (totp.confirmed_at) throw new LatchkeyError('totp_already_on', 'The authenticator app is already on. To change it, turn it off and enable it again.', 409);
      const step = await totpStep(totp.secret, code, clock.now());
      if (step === null) {
        throw new LatchkeyError('totp_code_wrong', 'That code does not match. Check the phone\'s clock, and type the code the app shows now.', 400);
      }
      // A parallel enable may have replaced this secret, or a parallel confirm used it, while the code was checked.
      const current = store.data().totp;
      if (current?.secret !== totp.secret || current.confirmed_at) {
        throw new LatchkeyError('totp_changed', 'The authenticator set-up changed meanwhile. Run: latchkey fallback status, then start again if needed.', 409);
      }
      // The code used to confirm is spent: it cannot also sign someone in.
      await store.commit((d) => {
        d.totp = { ...totp, confirmed_at: now(), last_step: step };
      });
    },

    async setPassword(password: string) {
      const normalized = await checkNewPassword(password);
      const hash = await hashSecret(normalized);
      await store.commit((d) => {
        d.password = { hash, set_at: now() };
      });
    },

    async setEmail(address: string) {
      if (!opts.emailAvailable) {
        throw new LatchkeyError('smtp_not_configured',
          'Email links need a mail server: add "smtp": { "url": "smtp://…", "from": "…" } to config.json and restart Latchkey.', 409);
      }
      await store.commit((d) => {
        d.email = { address, set_at: now() };
      });
    },

    /** Turns a method off and forgets its credential (a disabled password leaves no hash behind). */
    async disable(method: FallbackMethod) {
      await store.commit((d) => {
        if (method === 'backup-code') d.backup_codes = null;
        else if (method === 'totp') d.totp = null;
        else if (method === 'password') d.password = null;
        else d.email = null;
        delete d.last_used[method];
      });
    },

    emailAddress: () => store.data().email?.address ?? null,

    /** Checks a backup code; on success it is used up, and the number left is returned. */
    async useBackupCode(typed: string): Promise<{ ok: true; left: number } | { ok: false; reason: FallbackRefusal }> {
      const code = normalizeBackupCode(typed);
      const set = store.data().backup_codes;
      if (!code || !set) return { ok: false, reason: 'wrong_code' };
      // Used codes are checked too, so a reused code is named as such in the audit.
      const matches = await Promise.all(set.codes.map((c) => verifySecret(c.hash, code)));
      const index = matches.indexOf(true);
      const current = store.data().backup_codes;
      // The set may have been regenerated while hashing: a code from the old set is void.
      if (index < 0 || current !== set) return { ok: false, reason: 'wrong_code' };
      if (set.codes[index]!.used_at) return { ok: false, reason: 'code_used' };
      const at = now();
      await store.commit((d) => {
        d.backup_codes!.codes[index]!.used_at = at;
        d.last_used['backup-code'] = at;
      });
      return { ok: true, left: set.codes.filter((c) => !c.used_at).length };
    },

    useTotp: useTotpCode,

    /** Password, plus the authenticator code when TOTP is also on. */
    async usePassword(password: string, code: string | undefined): Promise<FallbackRefusal | null> {
      const needsTotp = this.passwordNeedsTotp();
      if (needsTotp && !code) return 'totp_required';
      const hash = store.data().password?.hash;
      const checkPassword = async () => hash !== undefined && await verifySecret(hash, normalizePassword(password));
      if (!needsTotp) {
        if (!await checkPassword()) return 'wrong_password';
      } else {
        // Both are checked, every time, before anything is decided, and any failure is one answer:
        // a right password with a wrong (or spent) code must not be told from a wrong one (second review, finding 5).
        const enrolled = store.data().totp;
        const [passwordOk, step] = await Promise.all([checkPassword(), enrolled?.confirmed_at ? totpStep(enrolled.secret, code!, clock.now()) : null]);
        if (!passwordOk || step === null) return 'wrong_password_or_code';
        // Spent only now, and checked again there, so a parallel request that spent the same code meanwhile wins.
        if (await useTotpCode(code!)) return 'wrong_password_or_code';
      }
      await store.commit((d) => {
        d.last_used.password = now();
      });
      return null;
    },

    async markEmailUsed() {
      const at = now();
      await store.commit((d) => {
        d.last_used.email = at;
      });
    },
  };
}
