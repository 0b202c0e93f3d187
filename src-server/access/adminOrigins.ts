import { lk } from '../web/latchkeyPaths.ts';
import type { LatchkeyConfig } from '../config/loadConfig.ts';

/**
 * The public origins kept for Latchkey itself, where no app is ever served, so its admin
 * pages and API can live there (SECURITY.md §8: an app's scripts must never share an origin
 * with the admin API): `admin_origin`, and the `auth_origin` when it is a public one (the
 * sign-in origin holds every device's session cookie, so no app may run beside it).
 */
export function adminOrigins(config: Pick<LatchkeyConfig, 'admin_origin' | 'auth_origin'>): string[] {
  const out = new Set<string>();
  if (config.admin_origin) out.add(config.admin_origin);
  if (config.auth_origin && config.auth_origin !== 'localhost') out.add(config.auth_origin);
  return [...out];
}

/**
 * Where a browser can manage Latchkey instead of here, as the URL of Latchkey's home: on the
 * computer, Latchkey's own local origin; through the tunnel, the first origin kept for Latchkey
 * that the allowlist still holds, other than this one. Null when there is none (then only the
 * computer can). The one answer the access check, the pages and the CLI login all give.
 */
export function manageAtFor(s: {
  config: Pick<LatchkeyConfig, 'admin_origin' | 'auth_origin'>;
  origins: { list(): readonly string[] };
  urls: { local: string };
}) {
  return (at: { listener: 'local' | 'remote'; origin: string }): string | null => {
    if (at.listener === 'local') return s.urls.local ? `${s.urls.local}${lk('/')}` : null;
    const allowed = s.origins.list();
    const kept = adminOrigins(s.config).find((o) => o !== at.origin && allowed.includes(o));
    return kept ? `${kept}${lk('/')}` : null;
  };
}
