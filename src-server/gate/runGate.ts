import { principalOf } from '../access/Principal.ts';
import type { Services } from '../app/Services.ts';
import { authenticate } from './authenticate.ts';
import { checkRequestOrigin } from './checkRequestOrigin.ts';
import type { ClientAddress } from './createClientAddress.ts';
import type { GateReply, GateRequest } from './RequestContext.ts';
import { resolveOrigin, type Listener } from './resolveOrigin.ts';

/**
 * The gate, in the order every request meets it, on Latchkey's own routes (Fastify) and on
 * the app proxy's lean path alike, so both refuse exactly the same requests:
 * 1. resolveOrigin: the Host allowlist (421 otherwise);
 * 2. authenticate: who is asking, and how (sets `request.lk`, and its principal);
 * 3. checkRequestOrigin: no cross-site state changes, WebSocket handshakes or streams.
 * Throws a LatchkeyError to refuse. Whether an unauthenticated request may go on is the
 * caller's rule: Latchkey's API requires auth, an app's public paths do not.
 * - `forApp`: an app's path. An Authorization that is not a Latchkey token is the app's own,
 *   and refused credentials are held in `request.lk.deferred`: the app proxy decides its limit
 *   before anything is written (on the remote listener, Latchkey's own routes are limited before the gate runs);
 * - `noOrigin`: the route's row lets a command-line client call it without Origin;
 * - `anySite`: a protocol endpoint (OAuth) that reads no ambient credential: no cross-site check.
 */
export async function runGate(request: GateRequest, reply: GateReply, s: Services, listener: Listener, client: ClientAddress,
  opts: { forApp?: boolean; noOrigin?: boolean; anySite?: boolean } = {}) {
  const forApp = opts.forApp === true;
  const { origin, rpId } = resolveOrigin(request, listener, s.origins, s.config.rp_id, client.forwardedHostOf);
  request.lk = {
    listener, origin, rpId, ip: client.ipOf(request), via: null, principal: 'anonymous', servesApps: s.apps.servesAny(origin, listener),
    device: null, token: null, agent: null, sessionProblem: null, tokenProblem: null, deferred: forApp ? [] : null,
  };
  await authenticate(request, reply, s, { forApp });
  request.lk.principal = principalOf(request.lk);
  // On an app's path, a request that carries only a Bearer (an agent's token, judged by the app proxy) holds
  // nothing a browser attaches by itself: a web agent's cross-site call has no ambient credential to borrow.
  const bearerOnly = forApp && request.lk.via === null && request.headers.authorization !== undefined;
  if (opts.anySite !== true && !bearerOnly) checkRequestOrigin(request, opts.noOrigin === true);
}
