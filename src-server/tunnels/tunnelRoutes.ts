import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TunnelManager } from './createTunnelManager.ts';

const startBody = Type.Object({
  tool: Type.Union([Type.Literal('tailscale'), Type.Literal('cloudflared')]),
  funnel: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$' })),
  hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 300, pattern: '^https://[A-Za-z0-9.-]+$' })),
}, { additionalProperties: false });

/** Settings → Remote access and `latchkey tunnel …`: on the computer only (a tunnel changes what is reachable). */
export function tunnelRoutes(api: FastifyInstance, tunnels: TunnelManager) {
  api.get('/api/tunnel', async () => tunnels.status());
  api.post('/api/tunnel/start', { schema: { body: startBody } }, async (request) => {
    const body = request.body as { tool: 'tailscale' | 'cloudflared'; funnel?: boolean; name?: string; hostname?: string };
    return tunnels.start(body.tool, { funnel: body.funnel, name: body.name, hostname: body.hostname });
  });
  api.post('/api/tunnel/stop', async () => tunnels.stop());
}
