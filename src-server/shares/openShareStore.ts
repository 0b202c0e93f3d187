import { join } from 'node:path';
import { openJsonStore } from '../store/openJsonStore.ts';

/** The invitation link of a share: only its SHA-256 is kept; the secret lives in the link alone. */
export interface ShareLink {
  hash: string;
  created_at: string;
  /** Unused links expire (24 hours by default, never after the share). */
  expires_at: string;
  /** SHA-256 of the cookie of the browser that first used the link to pair: from then on the link works there only. */
  binding_hash: string | null;
  /** When a pairing made with it was approved: the link is spent. */
  used_at: string | null;
}

/** One app shared with one person (a guest), until it expires or is revoked. */
export interface Share {
  id: string;
  app: string;
  /** Who it is for, as the owner typed it ("Bob"): shown on the approval card and in Activity. */
  name: string;
  /** Who shares, as the guest's page says it ("Alice shares vite with you"). */
  from: string;
  /** Who made it: the way in of the caller (loopback, desktop, token…) and its device, if any. */
  created_by: { via: string; device_id: string | null };
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  link: ShareLink | null;
  /** The guest's devices, approved by number matching. */
  devices: string[];
}

interface ShareFile {
  version: 1;
  shares: Share[];
}

function isShareFile(data: unknown): data is ShareFile {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Partial<ShareFile>;
  return d.version === 1 && Array.isArray(d.shares) && d.shares.every((s) =>
    typeof s?.id === 'string' && typeof s.app === 'string' && typeof s.expires_at === 'string' && Array.isArray(s.devices));
}

/** `~/.latchkey/shares.json`: the shares, written atomically (a corrupt file is moved aside, and no share is live). */
export async function openShareStore(home: string, warn: (message: string) => void) {
  const db = await openJsonStore<ShareFile>({
    file: join(home, 'shares.json'), isValid: isShareFile, warn,
    empty: () => ({ version: 1, shares: [] }),
    recover: () => ({ version: 1, shares: [] }),
    consequence: 'Latchkey starts with no shares: every guest is refused until the app is shared again.',
  });
  return db;
}

export type ShareDb = Awaited<ReturnType<typeof openShareStore>>;
