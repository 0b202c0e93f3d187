import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';

const startBody = Type.Object({
  tool: Type.Union([Type.Literal('tailscale'), Type.Literal('cloudflared')]),
  funnel: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$' })),
  hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 300, pattern: '^https://[A-Za-z0-9.-]+$' })),
}, { additionalProperties: false });

/** Settings → Remote access and `latchkey tunnel …`: on the computer only (a tunnel changes what is reachable). */
const checkBody = Type.Object({ origin: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false });

export function tunnelRoutes(api: FastifyInstance, s: Services) {
  const tunnels = s.tunnels;
  api.get('/api/tunnel', async () => tunnels.status());
  api.post('/api/tunnel/start', { schema: { body: startBody } }, async (request) => {
    const body = request.body as { tool: 'tailscale' | 'cloudflared'; funnel?: boolean; name?: string; hostname?: string };
    return tunnels.start(body.tool, { funnel: body.funnel, name: body.name, hostname: body.hostname });
  });
  api.post('/api/tunnel/stop', async () => tunnels.stop());
  // Only an address Latchkey answers for: the check never becomes a way to make the server fetch anything else.
  api.post('/api/tunnel/check', { schema: { body: checkBody } }, async (request) => {
    const origin = (request.body as { origin: string }).origin.replace(/\/$/, '').toLowerCase();
    if (!s.origins.list().includes(origin)) {
      throw new LatchkeyError('origin_not_allowed', `${origin} is not one of the addresses Latchkey answers for; add it first (latchkey origins add ${origin}).`, 400);
    }
    return s.reach.check(origin);
  });
}
