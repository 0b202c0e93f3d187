import { localAppUrl } from '../apps/localAppUrl.ts';
import type { Services } from '../app/Services.ts';
import type { PendingView } from '../devices/createPendingRegistry.ts';
import { denyPending, type ApprovedFromDevice } from '../devices/decidePending.ts';
import { buildTrayState } from './buildTrayState.ts';
import { APPROVE, describeApprovedElsewhere, describeBackupCodeNotification, describePendingNotification } from './describePendingNotification.ts';
import type { BackupCodeUse } from '../fallbacks/completeFallbackSignIn.ts';
import type { DesktopUi, NotificationHandle, TrayAction } from './DesktopUi.ts';
import type { WaitingAgentView } from '../client/createLatchkeyClient.ts';

const DESKTOP = { via: 'desktop', ip: 'desktop-app' };
// Expiring API keys are re-checked this often while the app runs.
const KEY_CHECK_MS = 12 * 3600_000;

/**
 * The desktop app's behaviour, with the windowing system behind `DesktopUi`: turns the
 * server's pending-device events into notifications and the tray menu. A notification's
 * Deny uses the same deny the web UI and CLI use; its Approve opens the approval window, where
 * the person types the phone's code. The approval logic itself stays in the server (decidePending).
 */
export function createDesktopController(s: Services, ui: DesktopUi, opts: { canShowActions: boolean }) {
  const shown = new Map<string, NotificationHandle>();
  const warnedKeys = new Set<string>();

  const appsOnComputer = () => s.apps.list().flatMap((a) => {
    const url = localAppUrl(s.urls.local, a);
    return url ? [{ name: a.name, url }] : [];
  });
  const refreshTray = () => ui.setTray(buildTrayState(s.pending.list(), appsOnComputer(), s.alerts.list().unacknowledged));

  function deny(id: string) {
    try {
      denyPending(s, id, DESKTOP);
    } catch (err) {
      ui.showError((err as Error).message);
    }
  }

  const onAdded = (p: PendingView) => {
    const handle = ui.notify(describePendingNotification(p, opts.canShowActions), {
      // Approve opens the window where the code is picked; Deny needs no code.
      onAction: (label) => (label === APPROVE ? ui.openWindow({ kind: 'approval', id: p.id }) : deny(p.id)),
      // Where actions cannot be shown (or the body is clicked), the approval window has the same facts and both buttons.
      onClick: () => ui.openWindow({ kind: 'approval', id: p.id }),
    });
    shown.set(p.id, handle);
    refreshTray();
  };
  const onResolved = ({ id }: { id: string }) => {
    shown.get(id)?.close();
    shown.delete(id);
    refreshTray();
  };

  /** One notification per launch for each API key or CLI login within 25 days of expiry. */
  function warnExpiringKeys() {
    for (const t of s.tokens.list()) {
      if (s.tokens.statusOf(t) !== 'expiring' || warnedKeys.has(t.id)) continue;
      warnedKeys.add(t.id);
      const days = Math.max(0, Math.ceil((Date.parse(t.expires_at) - s.clock.now()) / 86_400_000));
      ui.notify({
        title: t.kind === 'cli' ? 'CLI login expires soon' : 'API key expires soon',
        body: `"${t.name}" (${t.id}) expires in ${days} day${days === 1 ? '' : 's'}. ${t.kind === 'cli' ? 'Run latchkey auth login again.' : 'Rotate it in Latchkey → API keys.'}`,
        actions: [],
      }, { onAction: () => {}, onClick: () => ui.openWindow({ kind: 'settings', page: 'keys' }) });
    }
  }

  // The break-glass path skips approval, so the owner is told every time it is used.
  const onBackupCode = (use: BackupCodeUse) => {
    ui.notify(describeBackupCodeNotification(use), { onAction: () => {}, onClick: () => ui.openWindow({ kind: 'settings', page: 'devices' }) });
  };

  // A failure spike: one notification per alert window, with the counts and the main client.
  const onAlert = (_alert: unknown, text: string) => {
    ui.notify({ title: 'Failed sign-ins', body: `${text}. Check Activity; the home page shows a banner until you acknowledge it.`, actions: [] },
      { onAction: () => {}, onClick: () => ui.openWindow({ kind: 'settings', page: 'activity' }) });
  };

  // An approval made from a passkey device (approve_from_devices): the computer is always told.
  const onApprovedFromDevice = (e: ApprovedFromDevice) => {
    const guest = e.request.guest ? `guest of ${e.request.guest.app}, invited as ${e.request.guest.invited_as}` : null;
    ui.notify(describeApprovedElsewhere({ device: e.device.name, approver: e.approver.name, guest }),
      { onAction: () => {}, onClick: () => ui.openWindow({ kind: 'settings', page: 'devices' }) });
  };

  // An agent allowed from a phone waits for the code that phone shows: typed on Devices → Agents (never shown here).
  const onAgentWaiting = (w: WaitingAgentView) => {
    ui.notify({
      title: `Agent waiting: ${w.client_name}`,
      body: `${w.device_name} allowed "${w.client_name}" (returns to ${w.redirect_host}) to use ${w.app}. Type the code ${w.device_name} shows, in Latchkey → Devices → Agents.`,
      actions: [],
    }, { onAction: () => {}, onClick: () => ui.openWindow({ kind: 'settings', page: 'devices' }) });
  };

  s.pending.events.on('added', onAdded);
  s.agents.events.on('waiting', onAgentWaiting);
  s.pending.events.on('approved_from_device', onApprovedFromDevice);
  s.alerts.events.on('alert', onAlert);
  s.alerts.events.on('changed', refreshTray);
  s.fallbacks.events.on('backup-code-used', onBackupCode);
  s.pending.events.on('resolved', onResolved);
  s.apps.events.on('changed', refreshTray);
  refreshTray();
  warnExpiringKeys();
  const keyTimer = setInterval(warnExpiringKeys, KEY_CHECK_MS).unref();

  return {
    /** What a tray menu item does. */
    run(action: TrayAction) {
      if (action.kind === 'open-window') ui.openWindow(action.route);
      else if (action.kind === 'open-browser') ui.openInBrowser();
      else if (action.kind === 'open-app') ui.openApp(action.url);
      else ui.quit();
    },
    /** A second launch of the app lands here: show the app instead of starting another server. */
    secondInstance() {
      const first = s.pending.list()[0];
      ui.openWindow(first ? { kind: 'approval', id: first.id } : { kind: 'settings', page: 'devices' });
    },
    warnExpiringKeys,
    dispose() {
      s.pending.events.off('added', onAdded);
      s.agents.events.off('waiting', onAgentWaiting);
      s.pending.events.off('approved_from_device', onApprovedFromDevice);
      s.pending.events.off('resolved', onResolved);
      s.fallbacks.events.off('backup-code-used', onBackupCode);
      s.alerts.events.off('alert', onAlert);
      s.alerts.events.off('changed', refreshTray);
      s.apps.events.off('changed', refreshTray);
      clearInterval(keyTimer);
      for (const h of shown.values()) h.close();
      shown.clear();
    },
  };
}

export type DesktopController = ReturnType<typeof createDesktopController>;
