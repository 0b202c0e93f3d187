import type { PendingView } from '../devices/createPendingRegistry.ts';
import type { NotificationSpec } from './DesktopUi.ts';
import { FALLBACK_LABELS, type FallbackMethod } from '../fallbacks/fallbackMethods.ts';
import type { BackupCodeUse } from '../fallbacks/completeFallbackSignIn.ts';

export const APPROVE = 'Approve';
export const DENY = 'Deny';

/**
 * "New device wants access: iPhone · Safari · from https://box.alice.ts.net · code 47".
 * The code is what the person compares with the phone's screen before approving.
 */
export function describePendingNotification(p: PendingView, canShowActions: boolean): NotificationSpec {
  const who = p.name && p.name !== p.device_type ? `${p.name} (${p.device_type})` : p.device_type;
  // A browser without a passkey proved who it is with a fallback; the approver should know which.
  const how = p.kind === 'browser' ? ` · no passkey, signed in with ${FALLBACK_LABELS[p.method as FallbackMethod] ?? p.method}` : '';
  return {
    title: p.kind === 'browser' ? 'New browser wants access' : 'New device wants access',
    body: `${who} · ${p.browser} · from ${p.origin}${how} · code ${p.code}`,
    actions: canShowActions ? [APPROVE, DENY] : [],
  };
}

/** "Backup code used from iPhone · Safari at 1.2.3.4, 7 codes left": no approval was asked, so the owner is told. */
export function describeBackupCodeNotification(use: BackupCodeUse): NotificationSpec {
  const left = use.left === 0 ? 'no codes left: make a new set' : `${use.left} code${use.left === 1 ? '' : 's'} left`;
  return {
    title: 'Backup code used',
    body: `Backup code used from ${use.device.name} · ${use.device.browser} at ${use.ip}, ${left}. Not you? Remove that browser in Trusted Devices.`,
    actions: [],
  };
}
