import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { deviceView } from './deviceView.ts';
import { isPasskey } from '../store/openPasskeyStore.ts';
import type { PendingRequest } from './createPendingRegistry.ts';

/** Who decided, for the audit: the HTTP caller's way in, or the desktop app. */
export interface Decider {
  via: string;
  ip: string;
  /** A passkey device that decided from the admin origin (approve_from_devices), after its passkey check. */
  device?: { id: string; name: string };
}

/** What the computer is told of an approval made from a passkey device. */
export interface ApprovedFromDevice {
  request: PendingRequest;
  device: { id: string; name: string };
  approver: { id: string; name: string };
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
    s.audit.record({
    outcome: 'failure', method: 'deny', name: pending.name, origin: pending.origin, ip: pending.ip, request_id: id, reason: 'wrong_code_picked', denied_by: by.device ? 'device' : by.via, approver_ip: by.ip,
    ...(by.device ? { approver_device_id: by.device.id, approver_name: by.device.name } : {}),
  });
    throw new LatchkeyError('code_mismatch',
      `Code ${picked} is not the one the requesting device shows, so the request was denied. If it was yours, pair again from it and type the code it shows.`, 409);
  }
  const device = by.device ? { ...pending.device, approved_from: by.device } : pending.device;
  if (isPasskey(device) && s.store.getByCredentialId(device.credential_id)) {
    s.pending.release(id);
    throw new LatchkeyError('credential_exists', 'That passkey is already trusted.', 409);
  }
  if (pending.guest) {
    try {
      // The share may have ended, or filled up, while its guest waited.
      s.shares.assertDeviceRoom(pending.guest.share_id);
    } catch (err) {
      s.pending.release(id);
      throw err;
    }
  }
  try {
    await s.store.add(device);
    if (pending.guest) await s.shares.addDevice(pending.guest.share_id, device.id);
  } catch (err) {
    // Not stored, so not approved: the request waits again and the person can retry.
    if (s.store.get(device.id)) await s.store.remove(device.id, new Date(s.clock.now()).toISOString()).catch(() => {});
    s.pending.release(id);
    throw err;
  }
  s.pending.settle(id, device.id);
  s.audit.record({
    outcome: 'success', method: 'approve', device_id: device.id, kind: device.kind ?? 'passkey', origin: pending.origin, ip: pending.ip, request_id: id,
    approved_by: by.device ? 'device' : by.via, approver_ip: by.ip, code_matched: true,
    ...(by.device ? { approver_device_id: by.device.id, approver_name: by.device.name, name: device.name } : {}),
    ...(pending.guest ? { share_id: pending.guest.share_id, app: pending.guest.app, invited_as: pending.guest.invited_as, name: device.name } : {}),
  });
  if (by.device) {
    const told: ApprovedFromDevice = { request: pending, device: { id: device.id, name: device.name }, approver: by.device };
    s.pending.events.emit('approved_from_device', told);
  }
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
  s.audit.record({
    outcome: 'failure', method: 'deny', name: pending.name, origin: pending.origin, ip: pending.ip, request_id: id, reason: 'denied_by_owner', denied_by: by.device ? 'device' : by.via, approver_ip: by.ip,
    ...(by.device ? { approver_device_id: by.device.id, approver_name: by.device.name } : {}),
  });
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
  // So do the agents it allowed: a client is only as trusted as the device that let it in.
  const agentIds = await s.agents.revokeGrantedBy(id);
  const shareId = device.share_id;
  if (shareId) await s.shares.dropDevice(shareId, id);
  // What it approved stays approved, but is named here, so the owner can review those devices too.
  const approved = s.store.list().filter((d) => d.approved_from?.id === id).map((d) => ({ id: d.id, name: d.name }));
  s.audit.record({
    outcome: 'info', method: 'revoke', device_id: id, name: device.name, origin: device.origin, ip: by.ip, revoked_by: by.device ? 'device' : by.via, token_ids: tokenIds,
    ...(agentIds.length ? { agent_ids: agentIds } : {}),
    ...(approved.length ? { had_approved: approved } : {}), ...(shareId ? { share_id: shareId } : {}),
  });
  return { revoked: id, ...(approved.length ? { had_approved: approved } : {}) };
}
