import type { GateRequest } from './RequestContext.ts';

const LOOPBACK_PEERS = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Headers a proxy, CDN or tunnel daemon sets, in one list: any of them means something stood in
 * between (nginx, cloudflared, tailscale serve, a CDN), so trust its presence, never its value.
 * Names are compared with "_" read as "-", as some servers fold them (X_Forwarded_For).
 */
export const PROXY_HEADERS: readonly string[] = [
  'forwarded', 'via', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'x-cluster-client-ip', 'fastly-client-ip', 'fly-client-ip',
  'x-original-forwarded-for',
];
/** Whole families: every X-Forwarded-*, every header Cloudflare (CF-*) or Tailscale (Tailscale-*) adds. */
export const PROXY_HEADER_PREFIXES: readonly string[] = ['x-forwarded-', 'cf-', 'tailscale-'];
const EXACT = new Set(PROXY_HEADERS);

export function hasForwardingHeader(headers: GateRequest['headers']): boolean {
  for (const raw in headers) {
    const name = raw.includes('_') ? raw.replace(/_/g, '-') : raw;
    if (EXACT.has(name) || PROXY_HEADER_PREFIXES.some((p) => name.startsWith(p))) return true;
  }
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
