import type { GateRequest } from './RequestContext.ts';

const LOOPBACK_PEERS = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Any of these means a proxy (a tunnel daemon, nginx) stood in between: trust its presence, never its value. */
export function hasForwardingHeader(headers: GateRequest['headers']): boolean {
  if (headers.forwarded !== undefined || headers['x-real-ip'] !== undefined) return true;
  for (const name in headers) if (name.startsWith('x-forwarded-')) return true;
  return false;
}

/** The host name of a Host header value, lower-cased, without port ("[::1]" keeps its brackets). */
export function hostnameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const h = hostHeader.toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

export const isLoopbackHost = (hostHeader: string | undefined) => LOOPBACK_HOSTS.has(hostnameOf(hostHeader));

/**
 * The loopback bypass applies only when all three hold (SECURITY.md §1):
 * the peer is loopback, the Host is a loopback name (defeats DNS rebinding), and no
 * forwarding header is present (a tunnel or proxy also connects from loopback).
 * Callers must also be on the local listener: a raw TCP forward adds no header at all.
 */
export function isLoopbackRequest(request: GateRequest): boolean {
  return LOOPBACK_PEERS.has(request.socket.remoteAddress ?? '') &&
    isLoopbackHost(request.headers.host) &&
    !hasForwardingHeader(request.headers);
}
