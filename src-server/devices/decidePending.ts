import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { deviceView } from './deviceView.ts';
import { isPasskey } from '../store/openPasskeyStore.ts';

/** Who decided, for the audit: the HTTP caller's way in, or the desktop app. */
export interface Decider {
  via: string;
  ip: string;
}

/**
 * Approves a pending device (a new passkey, or a browser that signed in with a fallback) when
 * `picked` is the code the device shows; any other pick denies it. The decision is claimed first, synchronously, so a Deny (or a
 * second Approve) arriving while the passkey is being written gets 409 `already_decided`;
 * the passkey is trusted once it is durably on disk, and only then is the approval
 * acknowledged, audited and told to the phone. The one implementation behind the web UI,
 * the CLI and the desktop notification's Approve button.
 */
export async function approvePending(s: Services, id: string, picked: string, by: Decider) {
  const { request: pending, decision } = s.pending.claimPick(id, picked);
  if (decision === 'denied') {
    // Settled as a code mismatch: the pairing budget gives the owner's slip back (createPairingBudget).
    s.pending.settle(id);
    s.audit.record({ outcome: 'failure', method: 'deny', name: pending.name, origin: pending.origin, ip: pending.ip, request_id: id, reason: 'wrong_code_picked', denied_by: by.via, approver_ip: by.ip });
    throw new LatchkeyError('code_mismatch',
      `Code ${picked} is not the one the requesting device shows, so the request was denied. If it was yours, pair again from it and type the code it shows.`, 409);
  }
  const device = pending.device;
  if (isPasskey(device) && s.store.getByCredentialId(device.credential_id)) {
    s.pending.release(id);
    throw new LatchkeyError('credential_exists', 'That passkey is already trusted.', 409);
  }
  try {
    await s.store.add(device);
  } catch (err) {
    // Not stored, so not approved: the request waits again and the person can retry.
    s.pending.release(id);
    throw err;
  }
  s.pending.settle(id, device.id);
  s.audit.record({ outcome: 'success', method: 'approve', device_id: device.id, kind: device.kind ?? 'passkey', origin: pending.origin, ip: pending.ip, request_id: id, approved_by: by.via, approver_ip: by.ip, code_matched: true });
  return { approved: id, device: deviceView(device) };
}

/** Approves the one waiting request whose device shows `code` (`latchkey devices approve --code`). */
export function approvePendingByCode(s: Services, code: string, by: Decider) {
  const id = s.pending.idForCode(code);
  if (!id) throw new LatchkeyError('no_pending_with_code', `No device waiting for approval shows code ${code}. See: latchkey devices pending`, 404);
  return approvePending(s, id, code, by);
}

/** Denies a pending device; nothing of it is stored. Loses to any decision claimed before it. */
export function denyPending(s: Services, id: string, by: Decider) {
  const pending = s.pending.claim(id, 'denied');
  s.pending.settle(id);
  s.audit.record({ outcome: 'failure', method: 'deny', name: pending.name, origin: pending.origin, ip: pending.ip, request_id: id, reason: 'denied_by_owner', denied_by: by.via, approver_ip: by.ip });
  return { denied: id };
}

/** Removes a trusted device; its sessions and the tokens it approved are refused from their next request on. */
export async function revokeDevice(s: Services, id: string, by: Decider) {
  const device = s.store.get(id);
  if (!device) throw new LatchkeyError('device_not_found', `No trusted device has id ${id}. See: latchkey devices list`, 404);
  await s.store.remove(id, new Date(s.clock.now()).toISOString());
  s.stepUps.forget(id);
  // The device's tokens go with it (SECURITY.md §4), so re-pairing later cannot bring them back.
  const tokenIds = await s.tokens.revokeForDevice(id);
  s.audit.record({ outcome: 'info', method: 'revoke', device_id: id, name: device.name, origin: device.origin, ip: by.ip, revoked_by: by.via, token_ids: tokenIds });
  return { revoked: id };
}
