import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { PasskeyStore } from '../store/openPasskeyStore.ts';
import type { Clock } from '../time/Clock.ts';
import type { Share, ShareDb } from './openShareStore.ts';

/** Shares live at once: each is a way in for someone else, so there are few. */
export const MAX_LIVE_SHARES = 20;
/** Devices one guest may pair per share (a phone and a laptop). */
export const MAX_GUEST_DEVICES = 2;
/** An invitation link not used within this long expires (never later than its share). */
export const LINK_TTL_MS = 24 * 3600_000;
export const DEFAULT_SHARE_MS = 24 * 3600_000;
export const MIN_SHARE_MS = 5 * 60_000;
export const MAX_SHARE_MS = 30 * 86_400_000;
// An ended share stays listed (and its guests' devices named in Devices) this long, then goes.
const KEEP_ENDED_MS = 7 * 86_400_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export type ShareStatus = 'active' | 'expired' | 'revoked';
export type ShareService = ReturnType<typeof createShareService>;

/** Who made or ended a share, for the audit. */
export interface ShareActor {
  via: string;
  deviceId: string | null;
}

/**
 * Shares of one app with one other person (a guest). A share is made on the computer and
 * handed over as a link holding a single-use secret, which is bound to the first browser
 * that pairs with it and spent when that pairing is approved. The guest's devices are
 * passkeys like the owner's, marked with the share, so every check of them is one Map read.
 */
export function createShareService(db: ShareDb, clock: Clock, store: PasskeyStore) {
  let byId = new Map<string, Share>();
  let byLinkHash = new Map<string, Share>();
  // When each share ends (ms), so the per-request check parses no date.
  let endsAt = new Map<string, number>();
  const reindex = () => {
    byId = new Map(db.data.shares.map((s) => [s.id, s]));
    byLinkHash = new Map(db.data.shares.filter((s) => s.link).map((s) => [s.link!.hash, s]));
    endsAt = new Map(db.data.shares.map((s) => [s.id, s.revoked_at ? Date.parse(s.revoked_at) : Date.parse(s.expires_at)]));
  };
  reindex();

  async function commit(change: () => void) {
    const before = structuredClone(db.data.shares);
    change();
    reindex();
    try {
      await db.write();
    } catch (err) {
      db.data.shares = before;
      reindex();
      throw err;
    }
  }

  const statusOf = (share: Share, now = clock.now()): ShareStatus =>
    share.revoked_at ? 'revoked' : Date.parse(share.expires_at) <= now ? 'expired' : 'active';

  const ended = (share: Share): LatchkeyError => {
    const status = statusOf(share);
    return new LatchkeyError('share_ended',
      status === 'revoked'
        ? `${share.from} stopped sharing "${share.app}" with you.`
        : `${share.from}'s share of "${share.app}" ended at ${share.expires_at}.`, 410, { status, app: share.app });
  };

  /** The share a link names, whatever its state; a refusal names why the link cannot be used. */
  function shareForLink(secret: string): Share {
    const share = byLinkHash.get(sha256(secret));
    if (!share?.link) {
      throw new LatchkeyError('share_link_unknown', 'This invitation link is not valid: it may be mistyped, or replaced by a newer one. Ask for a new link.', 404);
    }
    return share;
  }

  /** Checks that `secret` may pair this browser (`binding`: its share cookie, if any); throws the reason it may not. */
  function checkLink(share: Share, binding: string | undefined) {
    const link = share.link!;
    if (statusOf(share) !== 'active') throw ended(share);
    if (link.used_at) {
      throw new LatchkeyError('share_link_used', `This invitation was already used to pair a device. Ask ${share.from} for a new link to add another.`, 409);
    }
    if (link.binding_hash && !(binding && sameHash(sha256(binding), link.binding_hash))) {
      throw new LatchkeyError('share_link_used',
        `This invitation was opened in another browser, and works only there. Ask ${share.from} for a new link for this one.`, 409);
    }
    if (Date.parse(link.expires_at) <= clock.now()) {
      throw new LatchkeyError('share_link_expired', `This invitation link expired at ${link.expires_at} without being used. Ask ${share.from} for a new one.`, 410);
    }
    if (share.devices.length >= MAX_GUEST_DEVICES) throw deviceLimit(share);
  }

  const deviceLimit = (share: Share) => new LatchkeyError('guest_device_limit',
    `This share already has ${MAX_GUEST_DEVICES} devices, the most a guest may pair. Remove one (latchkey devices revoke ID) first.`, 409,
    { share_id: share.id });

  const mustGet = (id: string) => {
    const share = byId.get(id);
    if (!share) throw new LatchkeyError('share_not_found', `No share has id ${id}. See: latchkey share list`, 404);
    return share;
  };

  function newLink(share: Share, now: number): { secret: string; link: NonNullable<Share['link']> } {
    const secret = randomBytes(32).toString('base64url');
    const expires = Math.min(now + LINK_TTL_MS, Date.parse(share.expires_at));
    return { secret, link: { hash: sha256(secret), created_at: new Date(now).toISOString(), expires_at: new Date(expires).toISOString(), binding_hash: null, used_at: null } };
  }

  /** Ended shares older than a week go, with their guests' devices (which open nothing any more). */
  async function prune() {
    const now = clock.now();
    const old = db.data.shares.filter((s) => (endsAt.get(s.id) ?? now) + KEEP_ENDED_MS <= now);
    if (old.length === 0) return;
    for (const share of old) for (const id of share.devices) if (store.get(id)) await store.remove(id, new Date(now).toISOString());
    await commit(() => {
      db.data.shares = db.data.shares.filter((s) => !old.includes(s));
    });
  }

  return {
    list: (): readonly Share[] => db.data.shares,
    get: (id: string) => byId.get(id),
    statusOf,
    ended,
    prune,

    /**
     * The share behind a guest's device, when it still opens its app: the per-request check
     * (one Map read and a comparison; no I/O, no date parsing).
     */
    live(id: string): Share | null {
      const end = endsAt.get(id);
      if (end === undefined || end <= clock.now()) return null;
      const share = byId.get(id)!;
      return share.revoked_at ? null : share;
    },

    async create(input: { app: string; name: string; from: string; expiresInMs: number; by: ShareActor }): Promise<{ share: Share; secret: string }> {
      await prune();
      const now = clock.now();
      const liveCount = db.data.shares.filter((s) => statusOf(s, now) === 'active').length;
      if (liveCount >= MAX_LIVE_SHARES) {
        throw new LatchkeyError('too_many_shares', `${MAX_LIVE_SHARES} shares are live already, the most Latchkey keeps. Revoke one first (latchkey share list, latchkey share revoke ID).`, 409);
      }
      const share: Share = {
        id: `shr_${randomBytes(6).toString('base64url')}`,
        app: input.app, name: input.name, from: input.from,
        created_by: { via: input.by.via, device_id: input.by.deviceId },
        created_at: new Date(now).toISOString(),
        expires_at: new Date(now + input.expiresInMs).toISOString(),
        revoked_at: null, link: null, devices: [],
      };
      const { secret, link } = newLink(share, now);
      share.link = link;
      await commit(() => db.data.shares.push(share));
      return { share, secret };
    },

    /** A fresh link for a live share (the guest's second device); the old one stops working. */
    async relink(id: string): Promise<{ share: Share; secret: string }> {
      const share = mustGet(id);
      if (statusOf(share) !== 'active') throw ended(share);
      if (share.devices.length >= MAX_GUEST_DEVICES) throw deviceLimit(share);
      const { secret, link } = newLink(share, clock.now());
      await commit(() => {
        byId.get(id)!.link = link;
      });
      return { share: byId.get(id)!, secret };
    },

    /** Ends a share now; its guests are refused from their next request on. Revoking an ended share is a no-op, not an error. */
    async revoke(id: string): Promise<{ share: Share; changed: boolean }> {
      const share = mustGet(id);
      if (share.revoked_at) return { share, changed: false };
      await commit(() => {
        byId.get(id)!.revoked_at = new Date(clock.now()).toISOString();
      });
      return { share: byId.get(id)!, changed: true };
    },

    /** What the invitation page shows, without using the link (a link preview or a mail scanner must not spend it). */
    inspect(secret: string, binding: string | undefined): Share {
      const share = shareForLink(secret);
      checkLink(share, binding);
      return share;
    },

    /**
     * Binds the link to the browser that pairs with it, at the moment it sends its new passkey.
     * Returns the share and, the first time, the binding secret to set as that browser's cookie.
     */
    async claimLink(secret: string, binding: string | undefined): Promise<{ share: Share; binding: string | null }> {
      const share = shareForLink(secret);
      checkLink(share, binding);
      if (share.link!.binding_hash) return { share, binding: null };
      const fresh = randomBytes(32).toString('base64url');
      await commit(() => {
        byId.get(share.id)!.link!.binding_hash = sha256(fresh);
      });
      return { share: byId.get(share.id)!, binding: fresh };
    },

    /** Whether one more guest device may be approved for this share; throws why not. */
    assertDeviceRoom(id: string) {
      const share = mustGet(id);
      if (statusOf(share) !== 'active') throw ended(share);
      if (share.devices.length >= MAX_GUEST_DEVICES) throw deviceLimit(share);
    },

    /** An approved guest device joins its share, and the link that paired it is spent. */
    async addDevice(id: string, deviceId: string) {
      await commit(() => {
        const share = byId.get(id)!;
        share.devices.push(deviceId);
        if (share.link) share.link.used_at = new Date(clock.now()).toISOString();
      });
    },

    /** A guest device was removed: it no longer counts against its share. */
    async dropDevice(id: string, deviceId: string) {
      if (!byId.get(id)?.devices.includes(deviceId)) return;
      await commit(() => {
        const share = byId.get(id)!;
        share.devices = share.devices.filter((d) => d !== deviceId);
      });
    },
  };
}
