import { isIP } from 'node:net';

/**
 * Turns user input into the canonical origin string the remote listener answers for, or
 * returns why it cannot be one. Origins must be https (WebAuthn needs a secure context and
 * tunnels terminate TLS) and must name a host, not an IP: an IP cannot be an RP ID.
 */
export function parsePublicOrigin(input: string): { origin: string; host: string; hostname: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { problem: `"${input}" is not a URL; expected something like https://box.alice.ts.net` };
  }
  if (url.protocol !== 'https:') {
    return { problem: `"${input}" must use https:// (tunnels serve https, and passkeys need a secure origin)` };
  }
  if (url.username || url.password) return { problem: `"${input}" must not contain credentials` };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return { problem: `"${input}" must be an origin only, with no path, query or fragment` };
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(hostname)) {
    return { problem: `"${input}" uses an IP address; passkeys need a host name (an IP cannot be an RP ID)` };
  }
  return { origin: url.origin, host: url.host, hostname: url.hostname };
}
