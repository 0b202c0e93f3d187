import { join } from 'node:path';
import { openJsonStore } from './openJsonStore.ts';

/** What every trusted device has, however it proves itself. */
interface DeviceCommon {
  id: string;
  name: string;
  device_type: string;
  origin: string;
  rp_id: string;
  fingerprint: string;
  created_at: string;
  last_used_at: string | null;
  enrolled_via: 'local' | 'remote';
  /** Set when a passkey device approved it from the admin origin (approve_from_devices): who, for Activity and review. */
  approved_from?: { id: string; name: string };
  /** A guest's passkey: the share it belongs to, which names the one app it opens (shares/). Never set on a browser. */
  share_id?: string;
}

/** A device that signs in with a passkey: its public key and metadata, never a secret. */
export interface TrustedPasskey extends DeviceCommon {
  /** Absent in files written before fallbacks existed; those are all passkeys. */
  kind?: 'passkey';
  /** The browser and system it was set up from (absent in files written before they were kept). */
  browser?: string;
  os?: string;
  credential_id: string;
  public_key: string;
  counter: number;
  backup_eligible: boolean;
  backup_state: boolean;
  transports: string[];
  aaguid: string;
}

/**
 * A browser trusted without a passkey ("browser (no passkey)"): it signed in with a fallback
 * and was approved on the computer (or used a backup code). It is recognised by a long-lived
 * device cookie, of which only the SHA-256 is kept; it still needs a fallback credential to sign in.
 */
export interface TrustedBrowser extends DeviceCommon {
  kind: 'browser';
  /** The fallback it was first trusted with. */
  method: string;
  cookie_hash: string;
  browser: string;
  os: string;
}

export type TrustedDevice = TrustedPasskey | TrustedBrowser;

const TOUCH_EVERY_MS = 60_000;

export const isPasskey = (d: TrustedDevice): d is TrustedPasskey => d.kind !== 'browser';

interface PasskeyFile {
  version: 1;
  passkeys: TrustedDevice[];
  /** Set when a corrupt file was moved aside; while set, `open` grace is not honoured. */
  recovered_from?: string;
}

function isPasskeyFile(data: unknown): data is PasskeyFile {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Partial<PasskeyFile>;
  return d.version === 1 && Array.isArray(d.passkeys) &&
    d.passkeys.every((p) => typeof p?.id === 'string' && typeof p.origin === 'string' && (p.kind === 'browser'
      ? typeof p.cookie_hash === 'string' && p.cookie_hash.length === 64
      : typeof p.credential_id === 'string' && typeof p.public_key === 'string' && typeof p.counter === 'number'));
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

  // When each device's use was last written (ms), so a request need not parse its ISO date.
  const touchedAt = new Map<string, number>();
  // Devices removed this run (id → when, and the name they had), so a refused browser is told which and when in O(1); at most 1,000.
  const removed = new Map<string, { at: string; name: string }>();
  // Indexes make every per-request lookup O(1); rebuilt only when the set changes.
  let byId = new Map<string, TrustedDevice>();
  let byCredential = new Map<string, TrustedPasskey>();
  let byCookie = new Map<string, TrustedBrowser>();
  let passkeysPerOrigin = new Map<string, number>();
  let devicesPerOrigin = new Map<string, number>();
  const reindex = () => {
    byId = new Map(db.data.passkeys.map((p) => [p.id, p]));
    byCredential = new Map();
    byCookie = new Map();
    passkeysPerOrigin = new Map();
    devicesPerOrigin = new Map();
    for (const p of db.data.passkeys) {
      devicesPerOrigin.set(p.origin, (devicesPerOrigin.get(p.origin) ?? 0) + 1);
      if (!isPasskey(p)) {
        byCookie.set(p.cookie_hash, p);
        continue;
      }
      byCredential.set(p.credential_id, p);
      passkeysPerOrigin.set(p.origin, (passkeysPerOrigin.get(p.origin) ?? 0) + 1);
    }
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
    list: (): readonly TrustedDevice[] => db.data.passkeys,
    get: (id: string) => byId.get(id),
    getByCredentialId: (credentialId: string) => byCredential.get(credentialId),
    /** The trusted browser whose device cookie hashes to `cookieHash` (hex SHA-256). */
    getByCookieHash: (cookieHash: string) => byCookie.get(cookieHash),
    /** Whether the Sign in with passkey button can work here. */
    hasPasskeysFor: (origin: string) => (passkeysPerOrigin.get(origin) ?? 0) > 0,
    /** Whether anything is trusted for this origin (passkey or fallback browser): `open` grace ends then. */
    hasDevicesFor: (origin: string) => (devicesPerOrigin.get(origin) ?? 0) > 0,
    add: (device: TrustedDevice) => commit(() => db.data.passkeys.push(device)),
    async remove(id: string, at: string) {
      const name = byId.get(id)?.name ?? '';
      await commit(() => {
        db.data.passkeys = db.data.passkeys.filter((p) => p.id !== id);
      });
      removed.set(id, { at, name });
      if (removed.size > 1_000) removed.delete(removed.keys().next().value!);
    },
    /** When `id` was removed, if this run removed it. */
    removedAt: (id: string): string | null => removed.get(id)?.at ?? null,
    /** The name `id` had when this run removed it. */
    removedName: (id: string): string | null => removed.get(id)?.name ?? null,
    /**
     * A device was just used (a session request): its `last_used_at` moves forward, written at
     * most once a minute per device, so a phone in use never reads "never" and a busy one does
     * not rewrite the file on every request. The write is not awaited: the request goes on.
     */
    touch(id: string, nowMs: number) {
      // Hot path (every session request): one Map lookup and a comparison, no date parsing.
      if (nowMs - (touchedAt.get(id) ?? -Infinity) < TOUCH_EVERY_MS) return;
      const d = byId.get(id);
      if (!d) return;
      touchedAt.set(id, nowMs);
      if (touchedAt.size > 10_000) touchedAt.delete(touchedAt.keys().next().value!);
      const at = new Date(nowMs).toISOString();
      d.last_used_at = at;
      commit(() => {}).catch((err) => warn(`could not record when device ${id} was last used: ${(err as Error).message}`));
    },
    recordUse: (id: string, update: Partial<Pick<TrustedPasskey, 'counter' | 'backup_state' | 'last_used_at'>>) =>
      commit(() => {
        const p = byId.get(id);
        if (p) Object.assign(p, update);
      }),
  };
}
