import type { Services } from '../app/Services.ts';
import type { PendingView } from '../devices/createPendingRegistry.ts';
import type { ApprovedFromDevice } from '../devices/decidePending.ts';
import type { BackupCodeUse } from '../fallbacks/completeFallbackSignIn.ts';
import { FALLBACK_LABELS, type FallbackMethod } from '../fallbacks/fallbackMethods.ts';
import { revealHidden } from '../text/revealHidden.ts';
import type { WaitingAgentView } from '../client/createLatchkeyClient.ts';

/**
 * What `latchkey serve` in a terminal tells the person at the computer, one line per event, so
 * the headless mode has what the desktop's notifications give: a device waiting (where from,
 * the name it claims, what it was detected as, and the command that approves it), a failure
 * spike, and a backup code used. The code itself is never printed: approving means reading it
 * off the phone. `clientFlags` is what a client command needs to find this server (`--home DIR`
 * when the home is not the default), so the printed command works as it is.
 */
export function createTerminalNotices(s: Services, write: (line: string) => void, clientFlags = '') {
  const flags = clientFlags ? ` ${clientFlags}` : '';
  // Names and browsers are chosen by whoever asks: hidden characters are shown as escapes.
  const say = (line: string) => write(revealHidden(line));

  const onAdded = (p: PendingView) => {
    const detected = [p.device_type, p.browser, p.os].filter((x) => x && x !== 'unknown').join(', ');
    const how = p.kind === 'browser' ? `, no passkey: signed in with ${FALLBACK_LABELS[p.method as FallbackMethod] ?? p.method}` : '';
    const guest = p.guest ? `guest of ${p.guest.app}, invited as "${p.guest.invited_as}": ` : '';
    say(`pending: ${guest}"${p.name}" (${detected || 'unknown device'}${how}) wants access from ${p.origin} at ${p.ip}; ` +
      `expires in ${Math.ceil(p.expires_in_s / 60)} min. Approve: latchkey devices approve${flags} --code NN (the code the device shows). ` +
      `Deny: latchkey devices deny${flags} ${p.id}`);
  };
  const onAlert = (_alert: unknown, text: string) => say(`alert: ${text}. See Activity, or: latchkey alerts list${flags}`);
  const onBackupCode = (use: BackupCodeUse) => {
    say(`backup code used: ${use.device.name} (${use.device.browser}) at ${use.ip}, ${use.left} left. Not you? latchkey devices list${flags}, then devices revoke`);
  };

  const onApprovedFromDevice = (e: ApprovedFromDevice) => {
    say(`approved from a device: ${e.approver.name} approved "${e.device.name}"${e.request.guest ? ` (guest of ${e.request.guest.app})` : ''}. Not you? latchkey devices list${flags}, then devices revoke`);
  };

  const onAgentWaiting = (w: WaitingAgentView) => {
    say(`agent waiting: "${w.client_name}" (returns to ${w.redirect_host}) was allowed on ${w.device_name} to use ${w.app}; expires in ${Math.ceil(w.expires_in_s / 60)} min. ` +
      `Approve: latchkey clients approve${flags} ${w.uid} --code NN (the code the phone shows). Otherwise it is never allowed.`);
  };

  s.pending.events.on('added', onAdded);
  s.agents.events.on('waiting', onAgentWaiting);
  s.pending.events.on('approved_from_device', onApprovedFromDevice);
  s.alerts.events.on('alert', onAlert);
  s.fallbacks.events.on('backup-code-used', onBackupCode);
  return () => {
    s.pending.events.off('added', onAdded);
    s.agents.events.off('waiting', onAgentWaiting);
    s.pending.events.off('approved_from_device', onApprovedFromDevice);
    s.alerts.events.off('alert', onAlert);
    s.fallbacks.events.off('backup-code-used', onBackupCode);
  };
}
