import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { pairingCookieName } from '../sessions/sessionCookies.ts';
import { openEventStream } from '../web/openEventStream.ts';

const EXPIRY_SWEEP_MS = 2_000;

/**
 * `GET /auth/pairing/events`: tells a waiting phone the moment the computer decides, so it
 * need not poll. It carries no secret: on `outcome` the page calls /auth/pairing/status,
 * which sets the session cookie. Only the browser holding the pairing cookie can listen.
 */
export function pairingEvents(app: FastifyInstance, s: Services) {
  app.get('/auth/pairing/events', async (request, reply) => {
    const secret = request.cookies[pairingCookieName(request.lk.origin)];
    const status = secret ? s.pending.statusFor(secret, true) : null;
    if (!status) throw new LatchkeyError('pairing_not_found', 'This browser has no pairing request waiting. Start again from the Pair screen.', 404);
    const stream = openEventStream(request, reply);
    const outcome = (value: string) => {
      stream.send('outcome', { status: value });
      stream.end();
    };
    if (status.status !== 'pending') return outcome(status.status);
    const id = status.request.id;
    const onResolved = (e: { id: string; outcome: string }) => {
      if (e.id === id) outcome(e.outcome);
    };
    s.pending.events.on('resolved', onResolved);
    // Expiry is noticed when the registry is next read; reading it now and then settles it on time.
    const sweep = setInterval(() => s.pending.list(), EXPIRY_SWEEP_MS);
    stream.onClose(() => {
      clearInterval(sweep);
      s.pending.events.off('resolved', onResolved);
    });
  });
}
