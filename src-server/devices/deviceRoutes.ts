import { Type } from '@sinclair/typebox';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { writeConfigKey } from '../config/writeConfigKey.ts';
import { credentialBody } from '../webauthn/ceremonyRoutes.ts';
import { checkApproverAssertion } from './checkApproverAssertion.ts';
import { approvePending, approvePendingByCode, denyPending, revokeDevice, type Decider } from './decidePending.ts';
import { deviceView } from './deviceView.ts';

const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
// The code the person read on the requesting device: two digits (number matching).
const code = Type.String({ pattern: '^[0-9]{2}$' });
const pickBody = Type.Object({ code });
// From a phone, the approval also carries its passkey check for this request (checkApproverAssertion).
const approveBody = Type.Object({ code, assertion: Type.Optional(credentialBody) });
const settingBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

/** Who decided, for the audit: a phone (through the tunnel) is named as itself. */
const by = (request: FastifyRequest): Decider => {
  const ctx = request.lk;
  const fromDevice = ctx.principal === 'owner_device' && ctx.device ? { device: { id: ctx.device.id, name: ctx.device.name } } : {};
  return { via: ctx.via ?? 'none', ip: ctx.ip, ...fromDevice };
};

/** Trusted passkeys and pending requests; all under the /api guard. */
export function deviceRoutes(api: FastifyInstance, s: Services) {
  api.get('/api/devices', async () => ({ devices: s.store.list().map(deviceView) }));

  api.get('/api/devices/pending', async () => ({ pending: s.pending.list() }));

  api.post('/api/devices/:id/approve', { schema: { params: idParams, body: approveBody } }, async (request) => {
    const { id } = request.params as { id: string };
    const body = request.body as { code: string; assertion?: { ceremony_id: string; response: AuthenticationResponseJSON } };
    // A phone confirms each approval with its passkey; the computer's own ways in (and its CLI token) do not.
    if (request.lk.principal === 'owner_device') await checkApproverAssertion(s, request, id, body.assertion);
    return approvePending(s, id, body.code, by(request));
  });

  api.post('/api/devices/pending/approve', { schema: { body: pickBody } },
    async (request) => approvePendingByCode(s, (request.body as { code: string }).code, by(request)));

  api.post('/api/devices/:id/deny', { schema: { params: idParams } },
    async (request) => denyPending(s, (request.params as { id: string }).id, by(request)));

  api.delete('/api/devices/:id', { schema: { params: idParams } },
    async (request) => revokeDevice(s, (request.params as { id: string }).id, by(request)));

  // Security → Approve from your phone: off by default; only the person at the computer turns it on.
  api.put('/api/settings/approve-from-devices', { schema: { body: settingBody } }, async (request) => {
    const { enabled } = request.body as { enabled: boolean };
    await writeConfigKey(s.config, 'approve_from_devices', enabled);
    s.config.approve_from_devices = enabled;
    s.audit.record({ outcome: 'info', method: 'setting', setting: 'approve_from_devices', value: enabled, ip: request.lk.ip, by: request.lk.via });
    return { approve_from_devices: enabled };
  });
}
