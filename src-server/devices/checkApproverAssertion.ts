import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { TrustedPasskey } from '../store/openPasskeyStore.ts';
import { requireRpId, takeCeremony } from '../webauthn/ceremonyRoutes.ts';
import { verifyPasskeyAssertion } from '../webauthn/verifyPasskeyAssertion.ts';

/** Refuses when the owner has not allowed approvals from passkey devices (config `approve_from_devices`). */
export function assertApprovalsFromDevices(s: Services) {
  if (s.config.approve_from_devices) return;
  throw new LatchkeyError('approvals_from_devices_off',
    'Approving from a passkey device is off. Turn it on at the computer (Security → Approve from your phone, or "approve_from_devices": true).', 403);
}

/**
 * What one approval from a phone must bring, as guard clauses: the setting on; a passkey
 * assertion with user verification, made for this very request (its ceremony is bound to the
 * request id and used up here, so it is never stale nor replayed); and by this device's own
 * passkey, not another one it can reach. Returns the approving passkey.
 */
export async function checkApproverAssertion(
  s: Services, request: FastifyRequest, requestId: string, assertion: { ceremony_id: string; response: AuthenticationResponseJSON } | undefined,
): Promise<TrustedPasskey> {
  assertApprovalsFromDevices(s);
  const ctx = request.lk;
  if (!assertion) {
    throw new LatchkeyError('approval_assertion_required',
      'Approving from a phone needs a passkey check for this request: POST /.latchkey/auth/approve/options with its request_id, then send the assertion with the code.', 400,
      { options: '/.latchkey/auth/approve/options' });
  }
  requireRpId(request);
  const ceremony = takeCeremony(s, request, assertion.ceremony_id, 'approve');
  if (ceremony.subject !== requestId) {
    s.audit.record({ outcome: 'failure', method: 'approve', device_id: ctx.device?.id ?? null, origin: ctx.origin, ip: ctx.ip, reason: 'assertion_for_other_request', request_id: requestId });
    throw new LatchkeyError('assertion_for_other_request', 'This passkey check was made for another request. Confirm again for this one.', 400);
  }
  const passkey = await verifyPasskeyAssertion(s, request, ceremony, assertion.response, 'approve');
  if (passkey.id !== ctx.device?.id) {
    s.audit.record({ outcome: 'failure', method: 'approve', device_id: ctx.device?.id ?? null, origin: ctx.origin, ip: ctx.ip, reason: 'other_device_passkey', request_id: requestId });
    throw new LatchkeyError('step_up_wrong_passkey', 'Use the passkey of this device: the one this browser signed in with.', 403);
  }
  return passkey;
}
