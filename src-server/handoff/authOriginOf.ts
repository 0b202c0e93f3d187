import type { Services } from '../app/Services.ts';
import { HIDDEN_CHARACTERS } from '../text/revealHidden.ts';
import { lk } from '../web/latchkeyPaths.ts';

const HIDDEN = new RegExp(`[${HIDDEN_CHARACTERS}]`, 'u');

/** The configured auth origin as a URL origin (`localhost` means this computer's local listener), or null. */
export function authOriginOf(s: Services): string | null {
  const configured = s.config.auth_origin;
  if (!configured) return null;
  return configured === 'localhost' ? s.urls.local || null : configured;
}

/** Where a browser on `origin` goes to sign in, when that is another origin; null when it signs in here. */
export function handoffStartUrl(s: Services, origin: string, returnTo = '/'): string | null {
  const auth = authOriginOf(s);
  if (!auth || auth === origin || !s.origins.list().includes(origin)) return null;
  return `${auth}${lk('/auth/handoff/start')}?${new URLSearchParams({ target: origin, return: returnTo })}`;
}

/**
 * A same-site path to send a browser back to, ready to go into a `Location` header, or null
 * when `value` cannot be one: not a string, not "/…", protocol-relative ("//evil", "/\\evil"),
 * longer than 512, or holding whitespace or hidden characters. Anything else outside
 * printable ASCII is percent-encoded, since a header cannot carry it (Node refuses with
 * ERR_INVALID_CHAR, which would otherwise surface as a 500).
 */
export function parseReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 512 || !/^\/(?![/\\])/.test(value)) return null;
  if (/\s/u.test(value) || HIDDEN.test(value)) return null;
  try {
    return value.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  } catch {
    return null; // a lone surrogate cannot be encoded
  }
}

/** Like parseReturnPath, with "/" for anything that cannot be a return path (absent included). */
export function safeReturnPath(value: unknown): string {
  return parseReturnPath(value) ?? '/';
}
