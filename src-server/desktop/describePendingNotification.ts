import type { PendingView } from '../devices/createPendingRegistry.ts';
import type { NotificationSpec } from './DesktopUi.ts';
import { FALLBACK_LABELS, type FallbackMethod } from '../fallbacks/fallbackMethods.ts';
import type { BackupCodeUse } from '../fallbacks/completeFallbackSignIn.ts';

// Approving means typing the phone's code, which a notification cannot ask: this opens the approval window.
export const APPROVE = 'Approve…';
export const DENY = 'Deny';

/**
 * "box.alice.ts.net wants access: iPhone · Safari. Type the code it shows to approve."
 * The origin leads (the one fact that catches phishing); the code is never shown here: the
 * person types it in the approval window, reading it off the phone.
 */
export function describePendingNotification(p: PendingView, canShowActions: boolean): NotificationSpec {
  const who = p.name && p.name !== p.device_type ? `${p.name} (${p.device_type})` : p.device_type;
  // A browser without a passkey proved who it is with a fallback; the approver should know which.
  const how = p.kind === 'browser' ? ` · no passkey, signed in with ${FALLBACK_LABELS[p.method as FallbackMethod] ?? p.method}` : '';
  if (p.guest) {
    // A guest's device reaches one app, but the approver must still know it is not theirs.
    return {
      title: `${hostOf(p.origin)}: a guest wants access`,
      body: `Guest of ${p.guest.app}, invited as ${p.guest.invited_as}: ${who} · ${p.browser}. Type the code it shows to approve.`,
      actions: canShowActions ? [APPROVE, DENY] : [],
    };
  }
  return {
    title: `${hostOf(p.origin)} wants access`,
    body: `${p.kind === 'browser' ? 'A new browser' : 'A new device'}: ${who} · ${p.browser}${how}. Type the code it shows to approve.`,
    actions: canShowActions ? [APPROVE, DENY] : [],
  };
}

const hostOf = (origin: string) => {
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
};

/** "Pixel 8 approved iPad": an approval made from a passkey device (approve_from_devices), which the computer is always told of. */
export function describeApprovedElsewhere(e: { device: string; approver: string; guest: string | null }): NotificationSpec {
  return {
    title: 'Approved from another device',
    body: `${e.approver} approved ${e.device}${e.guest ? ` (${e.guest})` : ''}. Not you? Remove both in Devices.`,
    actions: [],
  };
}

/** "Backup code used from iPhone · Safari at 1.2.3.4, 7 codes left": no approval was asked, so the owner is told. */
export function describeBackupCodeNotification(use: BackupCodeUse): NotificationSpec {
  const left = use.left === 0 ? 'no codes left: make a new set' : `${use.left} code${use.left === 1 ? '' : 's'} left`;
  return {
    title: 'Backup code used',
    body: `Backup code used from ${use.device.name} · ${use.device.browser} at ${use.ip}, ${left}. Not you? Remove that browser in Devices.`,
    actions: [],
  };
}
