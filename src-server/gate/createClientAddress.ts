import type { GateRequest } from './RequestContext.ts';
import forwardedParse from 'forwarded-parse';
import proxyAddr from 'proxy-addr';
import { isIP } from 'node:net';

/** `for=` and `host=` values: quotes are gone; drop a port and IPv6 brackets ("[2001:db8::1]:443" → 2001:db8::1). */
const bare = (value: string) => {
  const v = value.trim();
  if (v.startsWith('[')) return v.slice(1, v.indexOf(']') > 0 ? v.indexOf(']') : undefined);
  return /^[^:]+:\d+$/.test(v) ? v.slice(0, v.lastIndexOf(':')) : v;
};

export type ClientAddress = ReturnType<typeof createClientAddress>;

/**
 * Who is asking, when the remote listener sits behind proxies (SECURITY.md: believe
 * forwarding headers only from `trusted_proxies`). X-Forwarded-For is resolved by Fastify
 * (proxy-addr); a proxy that sends only RFC 7239 `Forwarded` gets the same treatment here.
 * Either way the client is the right-most hop that is not a trusted proxy, never the
 * left-most value, which any client can write. Identity headers such as Tailscale's
 * `Tailscale-User-Login` are never read: they are not authentication.
 */
export function createClientAddress(trustedProxies: string[] | null) {
  const trusted = trustedProxies ? proxyAddr.compile(trustedProxies) : () => false;
  const peerIsTrusted = (request: { socket: { remoteAddress?: string } }) => trusted(request.socket.remoteAddress ?? '', 0);

  /** The `Forwarded` elements, when a trusted peer sent them and no X-Forwarded-For; else null. */
  function forwarded(request: Pick<GateRequest, 'headers' | 'socket'>): Record<string, string>[] | null {
    const header = request.headers.forwarded;
    if (!header || request.headers['x-forwarded-for'] !== undefined || !peerIsTrusted(request)) return null;
    try {
      return forwardedParse(String(header));
    } catch {
      // A malformed header tells us nothing we can believe: fall back to the peer itself.
      return null;
    }
  }

  /** X-Forwarded-For's right-most untrusted hop (proxy-addr, as Fastify's trustProxy does), or the peer. */
  const fromXff = (request: GateRequest) => (trustedProxies ? proxyAddr(request.raw, trusted) : request.socket.remoteAddress ?? '');

  function addressOf(request: GateRequest): string {
    const elements = forwarded(request);
    if (!elements) return fromXff(request);
    let address = request.socket.remoteAddress ?? '';
    for (let i = elements.length - 1, hop = 1; i >= 0 && trusted(address, hop); i--, hop++) {
      const next = elements[i]!.for;
      if (!next) break;
      address = bare(next);
    }
    return address;
  }

  return {
    peerIsTrusted,
    /**
     * The client's address. A trusted hop may pass on what a client wrote (a raw forward, a front
     * that does not append itself): anything that is not an IP address is `unknown`, never shown as given.
     */
    ipOf(request: GateRequest): string {
      const ip = addressOf(request);
      return isIP(ip) ? ip : 'unknown';
    },
    /** The Host the client asked for, as a trusted proxy reports it (right-most value), or null. */
    forwardedHostOf(request: GateRequest): string | null {
      if (!peerIsTrusted(request)) return null;
      const xfh = request.headers['x-forwarded-host'];
      if (xfh !== undefined) return String(xfh).split(',').at(-1)!.trim();
      const host = forwarded(request)?.findLast((e) => e.host)?.host;
      return host ? host.trim() : null;
    },
  };
}
