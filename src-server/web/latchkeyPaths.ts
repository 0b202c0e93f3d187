/**
 * Latchkey's own pages, auth endpoints, assets and API live under one reserved prefix, as
 * oauth2-proxy's `/oauth2/`, Pomerium's `/.pomerium/` and Cloudflare's `/cdn-cgi/access/` do;
 * every other path belongs to the app behind the gate. `/.well-known/webauthn` stays where
 * the WebAuthn spec puts it. Shared by the server, the renderer and the desktop shell.
 */
export const LATCHKEY_PREFIX = '/.latchkey';

/** A path under the prefix (the exact prefix included). */
export const isLatchkeyPath = (path: string) => path === LATCHKEY_PREFIX || path.startsWith(`${LATCHKEY_PREFIX}/`);

/** `lk('/pair')` → `/.latchkey/pair`. */
export const lk = (path: string) => `${LATCHKEY_PREFIX}${path}`;
