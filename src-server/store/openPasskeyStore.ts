import { join } from 'node:path';
import { openJsonStore } from './openJsonStore.ts';

/** What `trusted-passkeys.json` holds per passkey: public key and metadata, never a secret. */
export interface TrustedPasskey {
  id: string;
  credential_id: string;
  public_key: string;
  name: string;
  device_type: string;
  origin: string;
  rp_id: string;
  fingerprint: string;
  created_at: string;
  last_used_at: string | null;
  counter: number;
  backup_eligible: boolean;
  backup_state: boolean;
  transports: string[];
  aaguid: string;
  enrolled_via: 'local' | 'remote';
}

interface PasskeyFile {
  version: 1;
  passkeys: TrustedPasskey[];
  /** Set when a corrupt file was moved aside; while set, `open` grace is not honoured. */
  recovered_from?: string;
}

function isPasskeyFile(data: unknown): data is PasskeyFile {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Partial<PasskeyFile>;
  return d.version === 1 && Array.isArray(d.passkeys) &&
    d.passkeys.every((p) => typeof p?.id === 'string' && typeof p.credential_id === 'string' &&
      typeof p.public_key === 'string' && typeof p.origin === 'string' && typeof p.counter === 'number');
}

export type PasskeyStore = Awaited<ReturnType<typeof openPasskeyStore>>;

/**
 * Opens the trusted-passkey store. A corrupt file is moved aside and reported, never
 * silently replaced: the fresh store remembers where the old one went so the owner can
 * recover it, and so that `open` grace stays shut (SECURITY.md §5).
 */
export async function openPasskeyStore(home: string, warn: (message: string) => void) {
  const file = join(home, 'trusted-passkeys.json');
  const db = await openJsonStore<PasskeyFile>({
    file, isValid: isPasskeyFile, warn,
    empty: () => ({ version: 1, passkeys: [] }),
    recover: (aside) => ({ version: 1, passkeys: [], recovered_from: aside }),
    consequence: 'Latchkey starts with no trusted passkeys and "open" grace disabled.',
  });

  // Indexes make every per-request lookup O(1); rebuilt only when the set changes.
  let byId = new Map<string, TrustedPasskey>();
  let byCredential = new Map<string, TrustedPasskey>();
  let perOrigin = new Map<string, number>();
  const reindex = () => {
    byId = new Map(db.data.passkeys.map((p) => [p.id, p]));
    byCredential = new Map(db.data.passkeys.map((p) => [p.credential_id, p]));
    perOrigin = new Map();
    for (const p of db.data.passkeys) perOrigin.set(p.origin, (perOrigin.get(p.origin) ?? 0) + 1);
  };
  reindex();

  /** Applies a change, persists it durably, and undoes it in memory if the write fails. */
  async function commit(change: () => void) {
    const before = db.data.passkeys.map((p) => ({ ...p }));
    change();
    reindex();
    try {
      await db.write();
    } catch (err) {
      db.data.passkeys = before;
      reindex();
      throw err;
    }
  }

  return {
    file,
    recoveredFrom: () => db.data.recovered_from ?? null,
    list: (): readonly TrustedPasskey[] => db.data.passkeys,
    get: (id: string) => byId.get(id),
    getByCredentialId: (credentialId: string) => byCredential.get(credentialId),
    hasPasskeysFor: (origin: string) => (perOrigin.get(origin) ?? 0) > 0,
    add: (passkey: TrustedPasskey) => commit(() => db.data.passkeys.push(passkey)),
    remove: (id: string) => commit(() => {
      db.data.passkeys = db.data.passkeys.filter((p) => p.id !== id);
    }),
    recordUse: (id: string, update: Pick<TrustedPasskey, 'counter' | 'backup_state' | 'last_used_at'>) =>
      commit(() => {
        const p = byId.get(id);
        if (p) Object.assign(p, update);
      }),
  };
}
