import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { requireLocal } from '../gate/gatePlugin.ts';

// Proxies and tunnels close idle connections; a comment line now and then keeps the stream open.
const HEARTBEAT_MS = 25_000;

/**
 * `GET /api/events`: server-sent events for the approvals screen, so a pending device shows
 * up the moment it asks. Gated like every /api route (and Origin-checked as a stream by the gate).
 */
export function deviceEvents(api: FastifyInstance, s: Services) {
  api.get('/api/events', { config: { scope: 'devices' }, preHandler: requireLocal }, async (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    const send = () => res.write(`event: pending\ndata: ${JSON.stringify({ pending: s.pending.list() })}\n\n`);
    send();
    s.pending.events.on('added', send);
    s.pending.events.on('resolved', send);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    request.raw.once('close', () => {
      clearInterval(beat);
      s.pending.events.off('added', send);
      s.pending.events.off('resolved', send);
    });
  });
}
