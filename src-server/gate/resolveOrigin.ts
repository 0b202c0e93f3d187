import type { GateRequest } from './RequestContext.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { OriginRegistry } from '../origins/createOriginRegistry.ts';
import { rpIdForHost } from '../webauthn/rpIdForHost.ts';
import { hostnameOf, isLoopbackHost } from './isLoopbackRequest.ts';

export type Listener = 'local' | 'remote';

/** The port the connection really arrived on; Fastify's inject() has no socket port, so fall back to Host. */
export function listenerPort(request: GateRequest): number {
  return request.socket.localPort ?? Number(request.headers.host?.split(':').pop());
}

/**
 * The origin a request is for, always taken from configuration: the local listener is
 * `http://localhost:PORT`; the remote listener answers only for allowlisted origins and
 * refuses any other Host with 421 (this is also the DNS-rebinding defence).
 * X-Forwarded-Host (or RFC 7239 `host=`) is read only from a trusted proxy, and only its right-most value.
 */
export function resolveOrigin(
  request: GateRequest,
  listener: Listener,
  origins: OriginRegistry,
  rpIdOverride: string | undefined,
  forwardedHostOf: (request: GateRequest) => string | null,
): { origin: string; rpId: string | null } {
  if (listener === 'local') {
    if (!isLoopbackHost(request.headers.host)) {
      throw new LatchkeyError('unknown_host',
        `The local listener only answers to localhost, not "${hostnameOf(request.headers.host) || '(no Host)'}". Point tunnels at the remote listener instead.`, 421);
    }
    const port = listenerPort(request);
    // Passkeys cannot use an IP as RP ID, so ceremonies on 127.0.0.1 have no RP ID; pages redirect to localhost.
    const onName = hostnameOf(request.headers.host) === 'localhost';
    return { origin: `http://${onName ? 'localhost' : hostnameOf(request.headers.host)}:${port}`, rpId: onName ? 'localhost' : null };
  }
  const host = forwardedHostOf(request) ?? request.headers.host ?? '';
  const origin = origins.forHost(host);
  if (!origin) {
    throw new LatchkeyError('unknown_host',
      `This Latchkey does not answer for "${host || '(no Host)'}". If this is your tunnel's address, run on the computer: latchkey origins add https://${host || 'YOUR-HOST'}`, 421,
      host ? { host } : {});
  }
  return { origin, rpId: rpIdForHost(new URL(origin).hostname, rpIdOverride) };
}
