import { lk } from '../src-server/web/latchkeyPaths.ts';
import { parseReturnPath } from '../src-server/web/parseReturnPath.ts';
import type { PendingView } from '../src-server/devices/createPendingRegistry.ts';
import type { DeviceView } from '../src-server/devices/deviceView.ts';
import type { AuthStateView } from '../src-server/sessions/sessionRoutes.ts';

/** A failed call to our own server, carrying its stable error code. */
export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

/** Calls Latchkey's own API; `path` is below the reserved prefix ('/auth/state' → /.latchkey/auth/state). */
export async function api<T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(lk(path), {
    method: init.method ?? 'GET',
    headers: init.body !== undefined ? { 'content-type': 'application/json' } : {},
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(data.error ?? 'http_error', data.message ?? `Request failed (${res.status})`, res.status);
  return data as T;
}

/** What the server says of this browser (`/auth/state`): the server's own type. */
export type AuthState = AuthStateView;

/** Whether Latchkey's settings are for this browser here: not where an app runs, nor for a browser let in by a fallback. */
export const managesHere = (state: AuthState) => state.admin.here && state.principal !== 'fallback_browser';

export type { FallbackMethod } from '../src-server/fallbacks/fallbackMethods.ts';

/** A trusted device as the API shows it: a passkey, or a browser trusted through a fallback ("browser (no passkey)"). */
export type Device = DeviceView;

/** A request waiting for approval, as the server shows it to the approver (never its code: only the choices). */
export type Pending = PendingView;

/** Turns a WebAuthn browser error into a sentence; the user cancelling is the common case. */
export function describeError(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === 'NotAllowedError' || e?.code === 'ERROR_CEREMONY_ABORTED') {
    return 'The passkey prompt was cancelled or timed out. Try again.';
  }
  if (e?.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'This device already has a passkey here. Use Sign in with passkey.';
  return e?.message ?? 'Something went wrong.';
}

/** The exact time, for a tooltip and a status line: "2 Dec 2026, 17:51". */
export const exactly = (iso: string) => new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/**
 * The one date style of the pages: relative ("5 min ago", "in 4 days"), with the exact time
 * beside it where a sentence needs one; the When component puts the exact time in `title`.
 */
export function relative(iso: string, now = Date.now()): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  const past = s < 0;
  const n = Math.abs(s);
  const say = (text: string) => (past ? `${text} ago` : `in ${text}`);
  if (n < 60) return past ? 'just now' : 'in a moment';
  if (n < 3600) return say(`${Math.floor(n / 60)} min`);
  if (n < 86_400) return say(`${Math.floor(n / 3600)} h`);
  const days = Math.floor(n / 86_400);
  return days < 30 ? say(`${days} day${days === 1 ? '' : 's'}`) : `on ${day(iso)}`;
}

/** For text that cannot hold a tooltip (a status line): relative, then the exact time. */
export const when = (iso: string | null) => (iso ? `${relative(iso)} (${exactly(iso)})` : 'never');

/** "22 Nov" (this year) or "22 Nov 2025". */
export const day = (iso: string) => {
  const d = new Date(iso);
  // The pages are in English; day-month reads the same everywhere ("22 Nov", never "11/22").
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', ...(d.getFullYear() === new Date().getFullYear() ? {} : { year: 'numeric' }) });
};

/** "Active now", "5 min ago", "3 h ago", "2 days ago", or "Never used". Last use is written at most once a minute. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'Never used';
  if (now - Date.parse(iso) < 120_000) return 'Active now';
  return relative(iso, now);
}

/**
 * Where to go after signing in or pairing: the `next` the gate put in the address (the app
 * page that was asked for, or a handoff to continue), when it is a path on this same site.
 */
export function nextPath(): string | null {
  // The server's own rule (web/parseReturnPath.ts): "/\t/host", "/%2F…" and the like never leave this site.
  return parseReturnPath(new URLSearchParams(window.location.search).get('next'));
}
