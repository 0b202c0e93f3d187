import type { GateRequest } from './RequestContext.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { listenerPort } from './resolveOrigin.ts';
import { lk } from '../web/latchkeyPaths.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Endpoints a command-line client calls directly: they read no cookie, so a forged cross-site
// call gains nothing, and a CLI sends no Origin. A browser's cross-site call is still refused.
const CLI_ENDPOINTS = new Set(['/auth/cli/authorize', '/auth/device/code', '/auth/token'].map(lk));

/**
 * Cross-site request defence (SECURITY.md §4) for every state-changing request, and for the
 * long-lived GETs a cross-site page must not open on the user's behalf either: WebSocket
 * handshakes and event streams (cross-site WebSocket hijacking). A browser sends `Origin`
 * on all of these but same-origin EventSource, and it must be this origin.
 */
export function checkRequestOrigin(request: GateRequest) {
  const stream = isStreamRequest(request);
  if (!stream && SAFE_METHODS.has(request.method)) return;
  const ctx = request.lk;
  // A bearer token is not an ambient credential: a browser never attaches it on its own, so there is nothing to forge.
  if (ctx.via === 'token') return;
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new LatchkeyError('cross_site_request', 'Requests from other sites are refused.', 403);
  }
  const origin = request.headers.origin;
  if (origin === undefined) {
    const missing = missingOriginProblem(request, stream);
    if (missing) throw new LatchkeyError('origin_required', missing, 403);
    return;
  }
  if (!acceptable(origin, ctx.origin, ctx.listener, listenerPort(request))) {
    throw new LatchkeyError('origin_mismatch', `Origin "${origin}" is not allowed here; expected ${ctx.origin}.`, 403);
  }
}

/**
 * When a request without Origin must be refused, why. Accepted without one: a non-browser
 * client holding no session (the CLI on the computer, the CLI-login endpoints) and
 * same-origin EventSource. A browser always sends Origin on a WebSocket handshake and on
 * a state change, so a session without it is refused, as are ceremony endpoints.
 */
function missingOriginProblem(request: GateRequest, stream: boolean): string | null {
  const via = request.lk.via;
  if (stream) {
    return request.headers.upgrade !== undefined && via === 'session' ? 'A WebSocket handshake must carry this page\'s Origin.' : null;
  }
  const path = request.url.split('?')[0] ?? '';
  return via === 'session' || (path.startsWith(lk('/auth/')) && !CLI_ENDPOINTS.has(path))
    ? 'This request must come from the Latchkey page (no Origin header was sent).'
    : null;
}

function acceptable(origin: string, expected: string, listener: string, port: number | undefined): boolean {
  if (origin === expected) return true;
  return listener === 'local' && (origin === `http://localhost:${port}` || origin === `http://127.0.0.1:${port}` || origin === `http://[::1]:${port}`);
}

/** A WebSocket handshake or a server-sent-event stream: long-lived, so checked like a state change. */
function isStreamRequest(request: GateRequest): boolean {
  return request.headers.upgrade !== undefined || String(request.headers.accept ?? '').includes('text/event-stream');
}
