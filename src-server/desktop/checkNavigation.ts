/**
 * Where an app window may go (SECURITY.md: the app's windows show only the app).
 * - `allow`: the app's own local origin;
 * - `external`: an https link, handed to the system browser;
 * - `deny`: anything else (file:, javascript:, data:, plain http elsewhere, custom schemes).
 */
export function checkNavigation(url: string, appOrigin: string): 'allow' | 'external' | 'deny' {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'deny';
  }
  if (parsed.origin === appOrigin) return 'allow';
  if (parsed.protocol === 'https:' && !parsed.username && !parsed.password) return 'external';
  return 'deny';
}

/** An IPC message is answered only when it comes from a page of the app's own origin. */
export function isTrustedSender(senderUrl: string | undefined, appOrigin: string): boolean {
  return senderUrl !== undefined && checkNavigation(senderUrl, appOrigin) === 'allow';
}
