import type { FastifyInstance } from 'fastify';
import proxyAddr from 'proxy-addr';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { authenticate } from './authenticate.ts';
import { checkRequestOrigin } from './checkRequestOrigin.ts';
import type { RequestContext } from './RequestContext.ts';
import { resolveOrigin, type Listener } from './resolveOrigin.ts';

/**
 * Runs on every request of a listener, before routing decides anything:
 * 1. resolveOrigin — Host allowlist (421 otherwise);
 * 2. authenticate — who is asking, and how;
 * 3. checkRequestOrigin — no cross-site state changes.
 * The /api guard itself is `requireAuth`, registered on the /api scope.
 */
export function gatePlugin(app: FastifyInstance, s: Services, listener: Listener) {
  const trusted = listener === 'remote' ? proxyAddr.compile(s.config.trusted_proxies) : () => false;
  const peerIsTrustedProxy = (r: { socket: { remoteAddress?: string } }) => trusted(r.socket.remoteAddress ?? '', 0);

  app.decorateRequest('lk', null as unknown as RequestContext);
  app.addHook('onRequest', async (request, reply) => {
    const { origin, rpId } = resolveOrigin(request, listener, s.origins, s.config.rp_id, peerIsTrustedProxy);
    request.lk = { listener, origin, rpId, ip: request.ip, via: null, device: null, sessionProblem: null };
    await authenticate(request, reply, s);
    checkRequestOrigin(request);
  });
}

/** The guard on everything under /api: unauthenticated requests get 401 `auth_required`. */
export async function requireAuth(request: { lk: RequestContext }) {
  if (request.lk.via) return;
  const reason = request.lk.sessionProblem;
  const message = reason === 'device_revoked'
    ? 'This device was revoked on the computer. Pair it again to get back in.'
    : reason === 'session_expired'
      ? 'Your session has expired. Sign in with your passkey again.'
      : reason
        ? 'Your session is not valid here. Sign in with your passkey again.'
        : 'Sign in with a passkey first.';
  throw new LatchkeyError('auth_required', message, 401, reason ? { reason } : {});
}

/** Approving devices and editing origins happen on the computer itself, never over the tunnel. */
export async function requireLocal(request: { lk: RequestContext }) {
  if (request.lk.listener !== 'local') {
    throw new LatchkeyError('local_only', 'This can only be done on the computer running Latchkey.', 403);
  }
}
