import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LatchkeyError } from '../errors/LatchkeyError.ts';

/**
 * Caps the requests one client (its address as the gate sees it, so also behind a tunnel)
 * may have open at once on the remote listener. A slow-body flood then costs a stranger
 * their own few slots, not everyone's: the excess gets 429 at once and its connection is
 * closed. The count drops when the response ends or the connection dies, whichever first.
 */
export function limitInFlight(app: FastifyInstance, max: number, ipOf: (request: FastifyRequest) => string) {
  const open = new Map<string, number>();
  app.addHook('onRequest', (request, reply, done) => {
    const ip = ipOf(request);
    const n = open.get(ip) ?? 0;
    if (n >= max) {
      reply.header('connection', 'close');
      done(new LatchkeyError('too_many_requests_in_flight',
        `This client already has ${max} requests open here; wait for them to finish.`, 429));
      return;
    }
    open.set(ip, n + 1);
    reply.raw.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    });
    done();
  });
}
