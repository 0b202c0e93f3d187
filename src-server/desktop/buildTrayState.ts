import type { PendingView } from '../devices/createPendingRegistry.ts';
import type { TrayState } from './DesktopUi.ts';

/** The tray icon's tooltip, badge and menu for the current pending requests. */
export function buildTrayState(pending: readonly PendingView[]): TrayState {
  const n = pending.length;
  const waiting = n === 0 ? 'No device is waiting for approval' : `${n} device${n === 1 ? '' : 's'} waiting for approval`;
  return {
    tooltip: `Latchkey — ${waiting.toLowerCase()}`,
    badge: n === 0 ? '' : String(n),
    items: [
      { label: waiting },
      ...pending.map((p) => ({
        label: `${p.name} · ${p.browser} · code ${p.code}…`,
        action: { kind: 'open-window', route: { kind: 'approval', id: p.id } } as const,
      })),
      { label: '', separator: true },
      { label: 'Trusted Devices…', action: { kind: 'open-window', route: { kind: 'settings', page: 'security' } } },
      { label: 'Settings…', action: { kind: 'open-window', route: { kind: 'settings', page: 'privacy' } } },
      { label: 'Remote access…', action: { kind: 'open-window', route: { kind: 'settings', page: 'remote' } } },
      { label: 'Open Latchkey in the browser', action: { kind: 'open-browser' } },
      { label: '', separator: true },
      { label: 'Quit Latchkey', action: { kind: 'quit' } },
    ],
  };
}
