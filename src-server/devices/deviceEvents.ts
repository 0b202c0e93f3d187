import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { openEventStream } from '../web/openEventStream.ts';

/**
 * `GET /api/events`: server-sent events for the approvals screen, so a pending device shows
 * up the moment it asks. Gated like every /api route (and Origin-checked as a stream by the gate).
 */
export function deviceEvents(api: FastifyInstance, s: Services) {
  api.get('/api/events', async (request, reply) => {
    const stream = openEventStream(request, reply);
    const send = () => stream.send('pending', { pending: s.pending.list() });
    send();
    s.pending.events.on('added', send);
    s.pending.events.on('resolved', send);
    stream.onClose(() => {
      s.pending.events.off('added', send);
      s.pending.events.off('resolved', send);
    });
  });
}
