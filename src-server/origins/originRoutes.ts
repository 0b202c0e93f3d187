import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { requireLocal } from '../gate/gatePlugin.ts';

const originBody = Type.Object({ origin: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false });

/** The remote listener's Host allowlist, managed from the computer only. */
export function originRoutes(api: FastifyInstance, s: Services) {
  api.get('/api/origins', { config: { scope: 'origins' }, preHandler: requireLocal }, async () => ({ origins: s.origins.list() }));
  api.post('/api/origins', { config: { scope: 'origins' }, preHandler: requireLocal, schema: { body: originBody } }, async (request) => {
    const result = await s.origins.add((request.body as { origin: string }).origin);
    s.audit.record({ outcome: 'info', method: 'origin-add', origin: result.origin, ip: request.lk.ip });
    return result;
  });
  api.post('/api/origins/remove', { config: { scope: 'origins' }, preHandler: requireLocal, schema: { body: originBody } }, async (request) => {
    const result = await s.origins.remove((request.body as { origin: string }).origin);
    s.audit.record({ outcome: 'info', method: 'origin-remove', origin: result.origin, ip: request.lk.ip });
    return result;
  });
}
