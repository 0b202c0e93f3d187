import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { Services } from '../app/Services.ts';

const originBody = Type.Object({ origin: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false });

/** The remote listener's Host allowlist, managed from the computer only. */
export function originRoutes(api: FastifyInstance, s: Services) {
  api.get('/api/origins', async () => ({ origins: s.origins.list() }));
  // The QR code Remote access shows for an allowed address, for the phone's camera.
  api.get('/api/origins/qr', { schema: { querystring: originBody } }, async (request) => {
    const origin = (request.query as { origin: string }).origin;
    if (!s.origins.list().includes(origin)) throw new LatchkeyError('origin_not_found', `${origin} is not an allowed address. Add it first.`, 404);
    return { origin, qr: await (await import('qrcode')).default.toDataURL(origin, { margin: 2, width: 256 }) };
  });
  api.post('/api/origins', { schema: { body: originBody } }, async (request) => {
    const result = await s.origins.add((request.body as { origin: string }).origin);
    s.audit.record({ outcome: 'info', method: 'origin-add', origin: result.origin, ip: request.lk.ip });
    return result;
  });
  api.post('/api/origins/remove', { schema: { body: originBody } }, async (request) => {
    const result = await s.origins.remove((request.body as { origin: string }).origin);
    s.audit.record({ outcome: 'info', method: 'origin-remove', origin: result.origin, ip: request.lk.ip });
    return result;
  });
}
