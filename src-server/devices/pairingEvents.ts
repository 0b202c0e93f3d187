import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { pairingCookieName } from '../sessions/sessionCookies.ts';

const HEARTBEAT_MS = 25_000;

/**
 * `GET /auth/pairing/events`: tells a waiting phone the moment the computer decides, so it
 * need not poll. It carries no secret: on `outcome` the page calls /auth/pairing/status,
 * which sets the session cookie. Only the browser holding the pairing cookie can listen.
 */
export function pairingEvents(app: FastifyInstance, s: Services) {
  app.get('/auth/pairing/events', async (request, reply) => {
    const secret = request.cookies[pairingCookieName(request.lk.origin)];
    const status = secret ? s.pending.statusFor(secret) : null;
    if (!status) throw new LatchkeyError('pairing_not_found', 'This browser has no pairing request waiting. Start again from the Pair screen.', 404);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // nginx (and proxies like it) would otherwise hold the stream back in a buffer.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    const outcome = (value: string) => {
      res.write(`event: outcome\ndata: ${JSON.stringify({ status: value })}\n\n`);
      res.end();
    };
    if (status.status !== 'pending') return outcome(status.status);
    const id = status.request.id;
    const onResolved = (e: { id: string; outcome: string }) => {
      if (e.id === id) outcome(e.outcome);
    };
    s.pending.events.on('resolved', onResolved);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    res.once('close', () => {
      clearInterval(beat);
      s.pending.events.off('resolved', onResolved);
    });
  });
}
