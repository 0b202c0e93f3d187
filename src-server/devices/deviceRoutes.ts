import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { requireOwner } from '../gate/gatePlugin.ts';
import { approvePending, denyPending, revokeDevice } from './decidePending.ts';
import { deviceView } from './deviceView.ts';

const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
const by = (request: FastifyRequest) => ({ via: request.lk.via ?? 'none', ip: request.lk.ip });

/** Trusted passkeys and pending requests; all under the /api guard. */
export function deviceRoutes(api: FastifyInstance, s: Services) {
  // Approving and denying happen on the computer; never from a browser that got in through a fallback.
  const requireApprover = requireOwner('approve or deny devices');
  api.get('/api/devices', { config: { scope: 'devices' } }, async () => ({ devices: s.store.list().map(deviceView) }));

  api.get('/api/devices/pending', { config: { scope: 'devices' }, preHandler: requireApprover }, async () => ({ pending: s.pending.list() }));

  api.post('/api/devices/:id/approve', { config: { scope: 'devices' }, preHandler: requireApprover, schema: { params: idParams } },
    async (request) => approvePending(s, (request.params as { id: string }).id, by(request)));

  api.post('/api/devices/:id/deny', { config: { scope: 'devices' }, preHandler: requireApprover, schema: { params: idParams } },
    async (request) => denyPending(s, (request.params as { id: string }).id, by(request)));

  api.delete('/api/devices/:id', { config: { scope: 'devices' }, schema: { params: idParams } },
    async (request) => revokeDevice(s, (request.params as { id: string }).id, by(request)));
}
