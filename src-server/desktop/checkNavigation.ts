import { isLatchkeyPath } from '../web/latchkeyPaths.ts';

/**
 * Where a Latchkey window may go (SECURITY.md §8: Latchkey's windows show only Latchkey's own
 * pages, since they carry the desktop secret and the preload):
 * - `allow`: a Latchkey page (under /.latchkey/) of the local listener's own origin;
 * - `external`: handed to the system browser, which holds neither: an app (any other path of
 *   the listener, or its app origin http://127.0.0.1:PORT) and https links;
 * - `deny`: anything else (file:, javascript:, data:, plain http elsewhere, custom schemes).
 */
export function checkNavigation(url: string, appOrigin: string): 'allow' | 'external' | 'deny' {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'deny';
  }
  if (parsed.username || parsed.password) return 'deny';
  const own = new URL(appOrigin);
  if (parsed.origin === own.origin) return isLatchkeyPath(parsed.pathname) ? 'allow' : 'external';
  const appSide = parsed.protocol === 'http:' && parsed.port === own.port && ['127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (appSide || parsed.protocol === 'https:') return 'external';
  return 'deny';
}

/** An IPC message is answered only when it comes from a Latchkey page of the app's own origin. */
export function isTrustedSender(senderUrl: string | undefined, appOrigin: string): boolean {
  return senderUrl !== undefined && checkNavigation(senderUrl, appOrigin) === 'allow';
}
