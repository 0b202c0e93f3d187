import type { FastifyRequest } from 'fastify';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { listenerPort } from './resolveOrigin.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Endpoints a command-line client calls directly: they read no cookie, so a forged cross-site
// call gains nothing, and a CLI sends no Origin. A browser's cross-site call is still refused.
const CLI_ENDPOINTS = new Set(['/auth/cli/authorize', '/auth/device/code', '/auth/token']);

/**
 * Cross-site request defence for every state-changing request (SECURITY.md §4):
 * a browser always sends `Origin` on such requests, and it must be this origin.
 * A request with no Origin is accepted only from a non-browser client that holds no
 * session (the CLI on the computer, or a script with a bearer token); ceremony endpoints always need it.
 */
export function checkRequestOrigin(request: FastifyRequest) {
  if (isStreamRequest(request)) {
    checkStreamOrigin(request);
    return;
  }
  if (SAFE_METHODS.has(request.method)) return;
  const ctx = request.lk;
  // A bearer token is not an ambient credential: a browser never attaches it on its own, so there is nothing to forge.
  if (ctx.via === 'token') return;
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new LatchkeyError('cross_site_request', 'Requests from other sites are refused.', 403);
  }
  const origin = request.headers.origin;
  if (origin === undefined) {
    if (ctx.via === 'session' || (request.url.startsWith('/auth/') && !CLI_ENDPOINTS.has(request.url.split('?')[0] ?? ''))) {
      throw new LatchkeyError('origin_required', 'This request must come from the Latchkey page (no Origin header was sent).', 403);
    }
    return;
  }
  if (!acceptable(origin, ctx.origin, ctx.listener, listenerPort(request))) {
    throw new LatchkeyError('origin_mismatch', `Origin "${origin}" is not allowed here; expected ${ctx.origin}.`, 403);
  }
}

function acceptable(origin: string, expected: string, listener: string, port: number | undefined): boolean {
  if (origin === expected) return true;
  return listener === 'local' && (origin === `http://localhost:${port}` || origin === `http://127.0.0.1:${port}` || origin === `http://[::1]:${port}`);
}

/** A WebSocket handshake or a server-sent-event stream: long-lived, so checked like a state change. */
function isStreamRequest(request: FastifyRequest): boolean {
  return request.headers.upgrade !== undefined || String(request.headers.accept ?? '').includes('text/event-stream');
}

/**
 * WebSocket and SSE requests are GETs, but a cross-site page must not open one on the
 * user's behalf (cross-site WebSocket hijacking). The Origin a browser sends must be this
 * one; a browser always sends it on a WebSocket handshake, so a cookie-authenticated
 * handshake without it is refused. EventSource sends none for same-origin streams, so for
 * SSE only a foreign Origin or a cross-site fetch is refused.
 */
function checkStreamOrigin(request: FastifyRequest) {
  const ctx = request.lk;
  if (ctx.via === 'token') return;
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new LatchkeyError('cross_site_request', 'Streams opened from other sites are refused.', 403);
  }
  const origin = request.headers.origin;
  if (origin === undefined) {
    if (request.headers.upgrade !== undefined && ctx.via === 'session') {
      throw new LatchkeyError('origin_required', 'A WebSocket handshake must carry this page\'s Origin.', 403);
    }
    return;
  }
  if (!acceptable(origin, ctx.origin, ctx.listener, listenerPort(request))) {
    throw new LatchkeyError('origin_mismatch', `Origin "${origin}" is not allowed here; expected ${ctx.origin}.`, 403);
  }
}
