import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { approvePending, approvePendingByCode, denyPending, revokeDevice } from './decidePending.ts';
import { deviceView } from './deviceView.ts';

const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
// The code the person read on the requesting device: two digits (number matching).
const pickBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{2}$' }) });
const by = (request: FastifyRequest) => ({ via: request.lk.via ?? 'none', ip: request.lk.ip });

/** Trusted passkeys and pending requests; all under the /api guard. */
export function deviceRoutes(api: FastifyInstance, s: Services) {
  api.get('/api/devices', async () => ({ devices: s.store.list().map(deviceView) }));

  api.get('/api/devices/pending', async () => ({ pending: s.pending.list() }));

  api.post('/api/devices/:id/approve', { schema: { params: idParams, body: pickBody } },
    async (request) => approvePending(s, (request.params as { id: string }).id, (request.body as { code: string }).code, by(request)));

  api.post('/api/devices/pending/approve', { schema: { body: pickBody } },
    async (request) => approvePendingByCode(s, (request.body as { code: string }).code, by(request)));

  api.post('/api/devices/:id/deny', { schema: { params: idParams } },
    async (request) => denyPending(s, (request.params as { id: string }).id, by(request)));

  api.delete('/api/devices/:id', { schema: { params: idParams } },
    async (request) => revokeDevice(s, (request.params as { id: string }).id, by(request)));
}
