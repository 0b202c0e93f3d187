const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
// Schemes that run or read something in the browser itself: never a place to send a code.
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'blob:', 'about:', 'vbscript:', 'filesystem:']);

/**
 * Where a registering client (RFC 7591) may have its codes sent, or why not. A native agent uses
 * a loopback `http://` address (RFC 8252 §7.3; its port may change per run) or a private-use
 * scheme named after a domain it owns (§7.1, e.g. `com.example.agent:/cb`); a web agent an
 * `https://` address. Plain `http://` to anything but loopback would hand the code to the
 * network; a script scheme would hand it to the page. Only public clients (PKCE, no secret)
 * register: no client secret is ever stored.
 */
export function checkRedirectUris(uris: readonly string[] | undefined, authMethod: string | undefined): string | null {
  if (authMethod !== undefined && authMethod !== 'none') {
    return `token_endpoint_auth_method must be "none": agents here are public clients that prove themselves with PKCE (got "${authMethod}")`;
  }
  if (!uris || uris.length === 0) return 'redirect_uris must name at least one address to return to';
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return `redirect_uris entry "${uri}" is not a URL`;
    }
    if (url.hash) return `redirect_uris entry "${uri}" must not carry a fragment`;
    if (url.username || url.password) return `redirect_uris entry "${uri}" must not carry a user name or password`;
    if (FORBIDDEN_SCHEMES.has(url.protocol)) return `redirect_uris entry "${uri}" uses ${url.protocol}, which would hand the code to the page`;
    if (url.protocol === 'http:') {
      if (!LOOPBACK_HOSTS.has(url.host.replace(/:\d+$/, ''))) {
        return `redirect_uris entry "${uri}" is plain http:// to ${url.hostname}; use https://, or a loopback address (http://127.0.0.1:PORT/…) for an app on the same machine`;
      }
      continue;
    }
    if (url.protocol === 'https:') continue;
    // A private-use scheme must be a reverse domain name (RFC 8252 §7.1), so it cannot collide with another app's.
    if (!/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/i.test(url.protocol)) {
      return `redirect_uris entry "${uri}" uses the scheme ${url.protocol}; a private-use scheme must be a reverse domain name such as com.example.agent:`;
    }
  }
  return null;
}
