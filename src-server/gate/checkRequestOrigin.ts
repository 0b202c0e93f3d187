import type { GateRequest } from './RequestContext.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { lk } from '../web/latchkeyPaths.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request defence (SECURITY.md §4) for every state-changing request, and for the
 * long-lived GETs a cross-site page must not open on the user's behalf either: WebSocket
 * handshakes and event streams (cross-site WebSocket hijacking). A browser sends `Origin`
 * on all of these but same-origin EventSource, and it must be this very origin: on the local
 * listener, a page of http://127.0.0.1:PORT (where apps run) cannot post to http://localhost:PORT.
 * `noOrigin`: the route's row lets a command-line client call it without Origin (routeRules).
 */
export function checkRequestOrigin(request: GateRequest, noOrigin = false) {
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
    const missing = missingOriginProblem(request, stream, noOrigin);
    if (missing) throw new LatchkeyError('origin_required', missing, 403);
    return;
  }
  if (origin !== ctx.origin) {
    throw new LatchkeyError('origin_mismatch', `Origin "${origin}" is not allowed here; expected ${ctx.origin}.`, 403);
  }
}

/**
 * When a request without Origin must be refused, why. Accepted without one: a non-browser
 * client holding no session (the CLI on the computer, the CLI-login endpoints) and
 * same-origin EventSource. A browser always sends Origin on a WebSocket handshake and on
 * a state change, so a session without it is refused, as are ceremony endpoints.
 */
function missingOriginProblem(request: GateRequest, stream: boolean, noOrigin: boolean): string | null {
  const via = request.lk.via;
  if (stream) {
    return request.headers.upgrade !== undefined && via === 'session' ? 'A WebSocket handshake must carry this page\'s Origin.' : null;
  }
  const path = request.url.split('?')[0] ?? '';
  return via === 'session' || (path.startsWith(lk('/auth/')) && !noOrigin)
    ? 'This request must come from the Latchkey page (no Origin header was sent).'
    : null;
}

/** A WebSocket handshake or a server-sent-event stream: long-lived, so checked like a state change. */
function isStreamRequest(request: GateRequest): boolean {
  return request.headers.upgrade !== undefined || String(request.headers.accept ?? '').includes('text/event-stream');
}
