import { EventEmitter } from 'node:events';
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { TrustedDevice } from '../store/openPasskeyStore.ts';
import type { Clock } from '../time/Clock.ts';

export const PENDING_TTL_MS = 5 * 60_000;
/** Requests waiting at once, per listener: remote traffic can never use up the local listener's room. */
export const MAX_PENDING = 5;
/** Requests one client (IP, as the gate sees it) may have waiting, so one stranger cannot fill the room. */
export const MAX_PENDING_PER_CLIENT = 2;
// How long the requesting browser can still learn a denial or expiry; only the outcome is kept.
const OUTCOME_TTL_MS = 10 * 60_000;

/** A device waiting for approval. Held in memory only: a denial or expiry leaves nothing on disk. */
export interface PendingRequest {
  id: string;
  /** Shown on the requesting device only; the approver types it (number matching, against approval fatigue). */
  code: string;
  name: string;
  device_type: string;
  browser: string;
  os: string;
  origin: string;
  rp_id: string;
  fingerprint: string;
  ip: string;
  created_at: string;
  expires_at: string;
  /** What is trusted on approval: a new passkey, or a browser that signed in with a fallback. */
  device: TrustedDevice;
  /** Set for a guest's device: the share it pairs under, so the approver sees "guest of vite, invited as Bob". */
  guest?: { share_id: string; app: string; invited_as: string; from: string };
}

/**
 * What the approver sees: never the code itself, which must be read off the device. `expires_in_s`
 * is counted on the server's clock, so a screen whose clock is off still counts down right.
 */
export type PendingView = Omit<PendingRequest, 'device' | 'code' | 'guest'> & {
  kind: 'passkey' | 'browser'; method: string; expires_in_s: number; guest: PendingRequest['guest'] | null;
};
export type Outcome = 'approved' | 'denied' | 'expired' | 'cancelled';

/** What the requesting device is told of its own request: the code to show, and the time left. */
export const forRequester = (r: PendingView, code: string) => ({ id: r.id, code, name: r.name, expires_at: r.expires_at, expires_in_s: r.expires_in_s });
export type Decision = 'approved' | 'denied';

/** Where a request came from, for the caps. */
export interface PendingSource {
  listener: 'local' | 'remote';
  ip: string;
}

interface Entry {
  request: PendingRequest;
  source: PendingSource;
  secretHash: Buffer;
  expiresAt: number;
  timer: NodeJS.Timeout;
  /** Set the moment a decision is claimed; from then on nobody else can decide, and it cannot expire. */
  deciding: Decision | null;
  /** Denied because the approver typed another code: the device is told so. */
  mismatch?: boolean;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest();

export type PendingRegistry = ReturnType<typeof createPendingRegistry>;

/**
 * Pending device requests. Each one gets a short match code, shown on the requesting device
 * only; the approver types it (number matching, so the person approving must look
 * at their phone and can tell it from an attacker's — SECURITY.md §3), and a random
 * secret that only the requesting browser holds, in a cookie, to learn the outcome.
 * Emits `added` and `resolved` so the desktop can notify without polling.
 */
export function createPendingRegistry(clock: Clock, limits = { max: MAX_PENDING, perClient: MAX_PENDING_PER_CLIENT, ttlMs: PENDING_TTL_MS }) {
  const events = new EventEmitter();
  const live = new Map<string, Entry>();
  const outcomes = new Map<string, { outcome: Outcome; deviceId?: string; at: number; secretHash: Buffer; reason?: 'code_mismatch' }>();
  const view = (r: PendingRequest) => viewAt(r, clock.now());

  function settle(id: string, outcome: Outcome, deviceId?: string) {
    const entry = live.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    live.delete(id);
    const reason = entry.mismatch ? 'code_mismatch' as const : undefined;
    outcomes.set(id, { outcome, deviceId, at: clock.now(), secretHash: entry.secretHash, ...(reason ? { reason } : {}) });
    events.emit('resolved', { id, outcome, reason, request: view(entry.request) });
  }

  function prune() {
    const now = clock.now();
    for (const [id, entry] of live) if (!entry.deciding && entry.expiresAt <= now) settle(id, 'expired');
    for (const [id, o] of outcomes) if (o.at + OUTCOME_TTL_MS <= now) outcomes.delete(id);
  }

  /** Why `id` cannot be decided: expired, decided (by whom won), or unknown. */
  function refusal(id: string, entry: Entry | undefined): LatchkeyError {
    const outcome = entry?.deciding ?? outcomes.get(id)?.outcome;
    if (outcome === 'expired') {
      return new LatchkeyError('pending_expired', 'This request expired before anyone approved or denied it; the device must pair again.', 410);
    }
    if (outcome) return new LatchkeyError('already_decided', `This request was already ${outcome}.`, 409, { outcome });
    return new LatchkeyError('pending_not_found',
      `No pending request has id ${id}: it may have expired, or never existed. See: latchkey devices pending`, 404);
  }

  /** A code no waiting request shows, so `devices approve --code` names one request. */
  function freshCode(): string {
    const taken = new Set([...live.values()].map((e) => e.request.code));
    for (;;) {
      const n = String(randomInt(10, 100));
      if (!taken.has(n)) return n;
    }
  }

  return {
    events,

    /**
     * Refuses before anything is stored when a cap is reached: the listener's (so strangers
     * on the tunnel never crowd out the computer) or the client's (so one stranger cannot
     * crowd out the owner's phone).
     */
    assertRoom(source: PendingSource) {
      prune();
      const waiting = [...live.values()].filter((e) => e.source.listener === source.listener);
      if (waiting.length >= limits.max) {
        throw new LatchkeyError('too_many_pending',
          `${limits.max} devices are already waiting for approval on the computer. Approve or deny them there, or wait a few minutes for them to expire.`, 429);
      }
      if (waiting.filter((e) => e.source.ip === source.ip).length >= limits.perClient) {
        throw new LatchkeyError('too_many_pending_from_client',
          `${limits.perClient} requests from this network address are already waiting for approval. Wait for the computer to decide, or for them to expire.`, 429);
      }
    },

    create(input: Omit<PendingRequest, 'id' | 'code' | 'created_at' | 'expires_at'>, source: PendingSource): { request: PendingView; code: string; secret: string } {
      this.assertRoom(source);
      const now = clock.now();
      const request: PendingRequest = {
        ...input,
        id: `req_${randomBytes(6).toString('base64url')}`,
        code: freshCode(),
        created_at: new Date(now).toISOString(),
        expires_at: new Date(now + limits.ttlMs).toISOString(),
      };
      const secret = randomBytes(32).toString('base64url');
      const timer = setTimeout(() => prune(), limits.ttlMs + 50);
      timer.unref();
      live.set(request.id, { request, source, secretHash: hash(secret), expiresAt: now + limits.ttlMs, timer, deciding: null });
      events.emit('added', view(request));
      return { request: view(request), code: request.code, secret };
    },

    /** The code a waiting request's device shows (the requester learns it through `statusFor`; tests read it here). */
    codeOf(id: string): string | undefined {
      return live.get(id)?.request.code;
    },

    /** The open request showing this code, if any (codes are unique among waiting requests). */
    idForCode(code: string): string | null {
      prune();
      for (const e of live.values()) if (!e.deciding && e.request.code === code) return e.request.id;
      return null;
    },

    /**
     * The decision a typed code makes: the code the requesting device shows approves; any other
     * denies (a wrong code means the person is not looking at that device), and the device is
     * told that the code did not match. Claimed like `claim`.
     */
    claimPick(id: string, typed: string): { request: PendingRequest; decision: Decision } {
      const entry = live.get(id);
      const code = entry?.request.code;
      const decision: Decision = code !== undefined && code.length === typed.length && timingSafeEqual(Buffer.from(code), Buffer.from(typed)) ? 'approved' : 'denied';
      const request = this.claim(id, decision);
      if (decision === 'denied') entry!.mismatch = true;
      return { request, decision };
    },

    /** Requests still open for a decision (one being decided right now is not). */
    list(): PendingView[] {
      prune();
      return [...live.values()].filter((e) => !e.deciding).map((e) => view(e.request));
    },

    /**
     * Takes the one decision a request gets, synchronously, so the first decider wins and
     * every later one is told what won (409 `already_decided`), even while the winner is
     * still writing to disk. Returns the full request (with the device to store).
     */
    claim(id: string, decision: Decision): PendingRequest {
      prune();
      const entry = live.get(id);
      if (entry && !entry.deciding) {
        entry.deciding = decision;
        clearTimeout(entry.timer);
        return entry.request;
      }
      throw refusal(id, entry);
    },

    /** Throws what a decision on `id` would be told, unless it is open for one (a phone asks before its passkey check). */
    assertOpen(id: string) {
      prune();
      const entry = live.get(id);
      if (entry && !entry.deciding) return;
      throw refusal(id, entry);
    },

    /** Gives a claimed request back
(the approval could not be stored); it waits again until its expiry. */
    release(id: string) {
      const entry = live.get(id);
      if (!entry) return;
      entry.deciding = null;
      entry.timer = setTimeout(() => prune(), Math.max(0, entry.expiresAt - clock.now()) + 50);
      entry.timer.unref();
    },

    /** Ends a claimed request with the outcome its claim named. */
    settle: (id: string, deviceId?: string) => {
      const decided = live.get(id)?.deciding;
      if (decided) settle(id, decided, deviceId);
    },

    /**
     * What the requesting browser sees; `approved` is handed out once, then forgotten
     * (`peek` looks without using it up, for the event stream that only announces it).
     */
    statusFor(secret: string, peek = false): { status: 'pending'; request: PendingView; code: string } | { status: Outcome; id: string; deviceId?: string; reason?: 'code_mismatch' } | null {
      prune();
      const h = hash(secret);
      for (const entry of live.values()) {
        if (timingSafeEqual(entry.secretHash, h)) return { status: 'pending', request: view(entry.request), code: entry.request.code };
      }
      for (const [id, o] of outcomes) {
        if (!timingSafeEqual(o.secretHash, h)) continue;
        if (o.outcome === 'approved' && !peek) outcomes.delete(id);
        return { status: o.outcome, id, deviceId: o.deviceId, ...(o.reason ? { reason: o.reason } : {}) };
      }
      return null;
    },

    /**
     * The requesting browser withdraws its own request (Cancel on the phone). Only the holder
     * of the secret can, and not once a decision is being made. Returns the withdrawn request.
     */
    cancel(secret: string): PendingView | null {
      prune();
      const h = hash(secret);
      for (const [id, entry] of live) {
        if (entry.deciding || !timingSafeEqual(entry.secretHash, h)) continue;
        const withdrawn = view(entry.request);
        settle(id, 'cancelled');
        return withdrawn;
      }
      return null;
    },

    close() {
      for (const e of live.values()) clearTimeout(e.timer);
    },
  };
}

function viewAt(r: PendingRequest, nowMs: number): PendingView {
  const { device, code: _code, guest: _guest, ...rest } = r;
  // The approver is told how the requester proved itself: a new passkey, or which fallback.
  return {
    ...rest, guest: r.guest ?? null, kind: device.kind === 'browser' ? 'browser' : 'passkey', method: device.kind === 'browser' ? device.method : 'passkey',
    expires_in_s: Math.max(0, Math.ceil((Date.parse(r.expires_at) - nowMs) / 1000)),
  };
}
