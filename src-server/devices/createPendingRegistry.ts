import { EventEmitter } from 'node:events';
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { TrustedPasskey } from '../store/openPasskeyStore.ts';
import type { Clock } from '../time/Clock.ts';

export const PENDING_TTL_MS = 5 * 60_000;
export const MAX_PENDING = 5;
// How long the requesting browser can still learn a denial or expiry; only the outcome is kept.
const OUTCOME_TTL_MS = 10 * 60_000;

/** A device waiting for approval. Held in memory only: a denial or expiry leaves nothing on disk. */
export interface PendingRequest {
  id: string;
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
  passkey: TrustedPasskey;
}

export type PendingView = Omit<PendingRequest, 'passkey'>;
export type Outcome = 'approved' | 'denied' | 'expired';

interface Entry {
  request: PendingRequest;
  secretHash: Buffer;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest();

export type PendingRegistry = ReturnType<typeof createPendingRegistry>;

/**
 * Pending device requests. Each one gets a short match code (shown on both screens, so the
 * person approving can tell their phone from an attacker's — SECURITY.md §3) and a random
 * secret that only the requesting browser holds, in a cookie, to learn the outcome.
 * Emits `added` and `resolved` so the desktop can notify without polling.
 */
export function createPendingRegistry(clock: Clock, limits = { max: MAX_PENDING, ttlMs: PENDING_TTL_MS }) {
  const events = new EventEmitter();
  const live = new Map<string, Entry>();
  const outcomes = new Map<string, { outcome: Outcome; deviceId?: string; at: number; secretHash: Buffer }>();

  function settle(id: string, outcome: Outcome, deviceId?: string) {
    const entry = live.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    live.delete(id);
    outcomes.set(id, { outcome, deviceId, at: clock.now(), secretHash: entry.secretHash });
    events.emit('resolved', { id, outcome, request: view(entry.request) });
  }

  function prune() {
    const now = clock.now();
    for (const [id, entry] of live) if (entry.expiresAt <= now) settle(id, 'expired');
    for (const [id, o] of outcomes) if (o.at + OUTCOME_TTL_MS <= now) outcomes.delete(id);
  }

  function freshCode(): string {
    const taken = new Set([...live.values()].map((e) => e.request.code));
    for (;;) {
      const code = String(randomInt(10, 100));
      if (!taken.has(code)) return code;
    }
  }

  return {
    events,

    /** Refuses before anything is stored when the cap is reached. */
    assertRoom() {
      prune();
      if (live.size >= limits.max) {
        throw new LatchkeyError('too_many_pending',
          `${limits.max} devices are already waiting for approval on the computer. Approve or deny them there, or wait a few minutes for them to expire.`, 429);
      }
    },

    create(input: Omit<PendingRequest, 'id' | 'code' | 'created_at' | 'expires_at'>): { request: PendingView; secret: string } {
      this.assertRoom();
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
      live.set(request.id, { request, secretHash: hash(secret), expiresAt: now + limits.ttlMs, timer });
      events.emit('added', view(request));
      return { request: view(request), secret };
    },

    list(): PendingView[] {
      prune();
      return [...live.values()].map((e) => view(e.request));
    },

    /** The full request (with the passkey to store), or null if unknown or expired. */
    get(id: string): PendingRequest | null {
      prune();
      return live.get(id)?.request ?? null;
    },

    approved: (id: string, deviceId: string) => settle(id, 'approved', deviceId),
    denied: (id: string) => settle(id, 'denied'),

    /**
     * What the requesting browser sees; `approved` is handed out once, then forgotten
     * (`peek` looks without using it up, for the event stream that only announces it).
     */
    statusFor(secret: string, peek = false): { status: 'pending'; request: PendingView } | { status: Outcome; id: string; deviceId?: string } | null {
      prune();
      const h = hash(secret);
      for (const entry of live.values()) {
        if (timingSafeEqual(entry.secretHash, h)) return { status: 'pending', request: view(entry.request) };
      }
      for (const [id, o] of outcomes) {
        if (!timingSafeEqual(o.secretHash, h)) continue;
        if (o.outcome === 'approved' && !peek) outcomes.delete(id);
        return { status: o.outcome, id, deviceId: o.deviceId };
      }
      return null;
    },

    close() {
      for (const e of live.values()) clearTimeout(e.timer);
    },
  };
}

function view(r: PendingRequest): PendingView {
  const { passkey: _passkey, ...rest } = r;
  return rest;
}
