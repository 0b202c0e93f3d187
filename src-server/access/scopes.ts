import { LatchkeyError } from '../errors/LatchkeyError.ts';

/**
 * The scope vocabulary. A token is granted a request when one of its scopes covers the
 * route's feature and method, and (if it holds any `path:` scopes) the path lies under one
 * of them. `path:` scopes only ever narrow; they grant nothing on their own.
 *
 *   api:read       GET/HEAD anywhere under /api
 *   api:write      any method anywhere under /api
 *   <feature>:read GET/HEAD on that feature's routes (devices, keys, origins, apps, shares, agents, fallbacks, audit;
 *                  changing fallbacks needs fallbacks:write itself, see fallbackSettingsRoutes)
 *   <feature>:write any method on that feature's routes
 *   path:/api/...  only paths under this prefix (whole path segments)
 *   app:NAME       any method on the app NAME behind the gate
 *   app:NAME:read  GET, HEAD and OPTIONS on the app NAME
 *   app:*          any method on every app
 * The API scopes open no app, and app scopes open nothing of the API: each names one thing.
 * A key made before app scopes existed holds none, so it reaches no app until one is granted.
 */
export const FEATURES = ['devices', 'keys', 'origins', 'apps', 'shares', 'agents', 'fallbacks', 'audit'] as const;
export type Feature = (typeof FEATURES)[number];

export const GRANTING_SCOPES: readonly string[] = ['api:read', 'api:write', ...FEATURES.flatMap((f) => [`${f}:read`, `${f}:write`])];
// Whole segments only; "." and ".." are refused (a path scope must name a place, never climb out of one), as is %-encoding.
// App names as parseApp allows them (lower-case, digits, - and _).
const APP_SCOPE = /^app:(?:\*|[a-z0-9][a-z0-9_-]{0,31}(?::read)?)$/;
const SAFE_APP_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const PATH_SCOPE = /^path:(\/api(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~-]+)*\/?)$/;

/** What a route needs: its feature (null = any valid token, e.g. whoami) and whether it writes. */
export interface ScopeNeed {
  feature: Feature | 'api' | null;
  write: boolean;
  path: string;
}

/**
 * Checks a requested scope list; throws `unknown_scope` naming the first bad entry.
 * Returns the list de-duplicated, in a stable order.
 */
export function parseScopes(input: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of input) {
    const scope = raw.trim();
    if (!GRANTING_SCOPES.includes(scope) && !PATH_SCOPE.test(scope) && !APP_SCOPE.test(scope)) {
      if (scope.startsWith('app:')) {
        throw new LatchkeyError('invalid_app_scope',
          `App scope "${scope}" must be app:NAME, app:NAME:read or app:* (NAME as in latchkey apps list).`, 400, { scope });
      }
      if (scope.startsWith('path:')) {
        throw new LatchkeyError('invalid_path_scope',
          `Path scope "${scope}" must be path:/api/PREFIX made of plain segments (letters, digits, - _ . ~), with no "." or ".." segment and no %-encoding.`, 400, { scope });
      }
      throw new LatchkeyError('unknown_scope',
        `Unknown scope "${scope}". Use ${GRANTING_SCOPES.join(', ')}, app:NAME, app:NAME:read, app:*, or path:/api/PREFIX to narrow the API scopes.`, 400, { scope });
    }
    out.add(scope);
  }
  if (![...out].some((s) => GRANTING_SCOPES.includes(s) || APP_SCOPE.test(s))) {
    throw new LatchkeyError('scope_grants_nothing',
      'path: scopes only narrow what other scopes grant; add one of api:read, api:write, FEATURE:read|write or app:NAME.', 400);
  }
  return [...out].sort();
}

const underPrefix = (path: string, prefix: string) => {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`);
};

/** Null when `scopes` allow the request; otherwise the scope that is missing (for a 403 that names it). */
export function missingScope(scopes: readonly string[], need: ScopeNeed): string | null {
  // Routes about the token itself (whoami, logout) answer any valid token, however narrow.
  if (need.feature === null) return null;
  const paths = scopes.filter((s) => s.startsWith('path:')).map((s) => s.slice(5));
  if (paths.length > 0 && !paths.some((p) => underPrefix(need.path, p))) return `path:${need.path}`;
  const verb = need.write ? 'write' : 'read';
  const ok = scopes.includes('api:write') || scopes.includes(`${need.feature}:write`) ||
    (!need.write && (scopes.includes('api:read') || scopes.includes(`${need.feature}:read`)));
  return ok ? null : `${need.feature}:${verb}`;
}

/** Null when `scopes` open `app` for `method`; otherwise the scope that would (for a 403 that names it). */
export function missingAppScope(scopes: readonly string[], app: string, method: string): string | null {
  if (scopes.includes('app:*') || scopes.includes(`app:${app}`)) return null;
  if (SAFE_APP_METHODS.has(method) && scopes.includes(`app:${app}:read`)) return null;
  return SAFE_APP_METHODS.has(method) ? `app:${app}:read` : `app:${app}`;
}

/** The apps a token's scopes name ("*" for every app), for lists and the README's promise that old keys open none. */
export const appsOfScopes = (scopes: readonly string[]): string[] =>
  scopes.filter((s) => s.startsWith('app:')).map((s) => s.slice(4));

/**
 * Whether a caller holding `held` may hand out `wanted` (a token cannot mint a broader one).
 * Every granting scope wanted must be implied by a held one, and a caller narrowed by paths
 * can only mint keys narrowed at least as far.
 */
export function scopesCover(held: readonly string[] | 'all', wanted: readonly string[]): string | null {
  if (held === 'all') return null;
  const implies = (h: string, w: string) => {
    if (h === w) return true;
    // App scopes come only from app scopes: api:write opens no app, so it cannot mint a key that does.
    if (w.startsWith('app:')) return h === 'app:*' || (w.endsWith(':read') && h === w.slice(0, -':read'.length));
    if (h.startsWith('app:')) return false;
    if (h === 'api:write') return true;
    if (h === 'api:read') return w.endsWith(':read');
    return h.endsWith(':write') && w === h.replace(':write', ':read');
  };
  for (const w of wanted.filter((s) => !s.startsWith('path:'))) {
    if (!held.filter((h) => !h.startsWith('path:')).some((h) => implies(h, w))) return w;
  }
  const heldPaths = held.filter((s) => s.startsWith('path:')).map((s) => s.slice(5));
  if (heldPaths.length === 0) return null;
  const wantedPaths = wanted.filter((s) => s.startsWith('path:')).map((s) => s.slice(5));
  if (wantedPaths.length === 0) return `path:${heldPaths[0]}`;
  const outside = wantedPaths.find((w) => !heldPaths.some((h) => underPrefix(w, h)));
  return outside ? `path:${outside}` : null;
}
