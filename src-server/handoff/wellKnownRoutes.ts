import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { authOriginOf } from './authOriginOf.ts';

/** Routes the specs place at the site root, outside Latchkey's prefix. */
export function wellKnownRoutes(app: FastifyInstance, s: Services) {
  /**
   * WebAuthn Related Origin Requests (L3 §5.11): served by the auth origin, it lists the
   * origins allowed to use passkeys made for its RP ID, where browsers support it.
   */
  app.get('/.well-known/webauthn', async (request, reply) => {
    const auth = authOriginOf(s);
    if (!auth || request.lk.origin !== auth) return reply.code(404).send({ error: 'not_found', message: 'Only the auth origin serves /.well-known/webauthn.' });
    return reply.header('cache-control', 'no-store').send({ origins: [auth, ...s.origins.list().filter((o) => o !== auth)] });
  });
}
