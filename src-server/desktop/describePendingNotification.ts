import type { PendingView } from '../devices/createPendingRegistry.ts';
import type { NotificationSpec } from './DesktopUi.ts';

export const APPROVE = 'Approve';
export const DENY = 'Deny';

/**
 * "New device wants access: iPhone · Safari · from https://box.alice.ts.net · code 47".
 * The code is what the person compares with the phone's screen before approving.
 */
export function describePendingNotification(p: PendingView, canShowActions: boolean): NotificationSpec {
  const who = p.name && p.name !== p.device_type ? `${p.name} (${p.device_type})` : p.device_type;
  return {
    title: 'New device wants access',
    body: `${who} · ${p.browser} · from ${p.origin} · code ${p.code}`,
    actions: canShowActions ? [APPROVE, DENY] : [],
  };
}
