import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { requireLocal } from '../gate/gatePlugin.ts';
import { deviceView } from './deviceView.ts';

const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

/** Trusted passkeys and pending requests; all under the /api guard. */
export function deviceRoutes(api: FastifyInstance, s: Services) {
  api.get('/api/devices', { config: { scope: 'devices' } }, async () => ({ devices: s.store.list().map(deviceView) }));

  api.get('/api/devices/pending', { config: { scope: 'devices' }, preHandler: requireLocal }, async () => ({ pending: s.pending.list() }));

  api.post('/api/devices/:id/approve', { config: { scope: 'devices' }, preHandler: requireLocal, schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const pending = s.pending.get(id);
    if (!pending) throw notPending(id);
    if (s.store.getByCredentialId(pending.passkey.credential_id)) {
      s.pending.denied(id);
      throw new LatchkeyError('credential_exists', 'That passkey is already trusted.', 409);
    }
    // The approval is acknowledged only once it is durably on disk.
    await s.store.add(pending.passkey);
    s.pending.approved(id, pending.passkey.id);
    s.audit.record({ outcome: 'success', method: 'approve', device_id: pending.passkey.id, origin: pending.origin, ip: pending.ip, request_id: id, approved_by: request.lk.via });
    return { approved: id, device: deviceView(pending.passkey) };
  });

  api.post('/api/devices/:id/deny', { config: { scope: 'devices' }, preHandler: requireLocal, schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const pending = s.pending.get(id);
    if (!pending) throw notPending(id);
    s.pending.denied(id);
    s.audit.record({ outcome: 'failure', method: 'deny', origin: pending.origin, ip: pending.ip, request_id: id, reason: 'denied_by_owner' });
    return { denied: id };
  });

  api.delete('/api/devices/:id', { config: { scope: 'devices' }, schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const device = s.store.get(id);
    if (!device) throw new LatchkeyError('device_not_found', `No trusted device has id ${id}. See: latchkey devices list`, 404);
    await s.store.remove(id);
    // The device's tokens go with it (SECURITY.md §4), so re-pairing later cannot bring them back.
    const tokenIds = await s.tokens.revokeForDevice(id);
    s.audit.record({ outcome: 'info', method: 'revoke', device_id: id, origin: device.origin, ip: request.lk.ip, revoked_by: request.lk.via, token_ids: tokenIds });
    return { revoked: id };
  });
}

const notPending = (id: string) => new LatchkeyError('pending_not_found',
  `No pending request has id ${id}: it may have expired, or been approved or denied already. See: latchkey devices pending`, 404);
