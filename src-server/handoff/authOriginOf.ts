import type { Services } from '../app/Services.ts';
import { lk } from '../web/latchkeyPaths.ts';

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

// One rule for return paths, shared with the pages (web/parseReturnPath.ts).
export { parseReturnPath, safeReturnPath } from '../web/parseReturnPath.ts';
