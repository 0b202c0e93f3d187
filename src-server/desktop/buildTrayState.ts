import type { PendingView } from '../devices/createPendingRegistry.ts';
import type { TrayState } from './DesktopUi.ts';

/** The tray icon's tooltip, badge and menu: the pending requests first, then the apps behind the gate. */
export function buildTrayState(pending: readonly PendingView[], apps: ReadonlyArray<{ name: string; path: string }> = []): TrayState {
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
      ...apps.map((a) => ({ label: `Open ${a.name}`, action: { kind: 'open-app', path: a.path || '/' } as const })),
      ...(apps.length ? [{ label: 'Apps…', action: { kind: 'open-window', route: { kind: 'settings', page: 'apps' } } as const }, { label: '', separator: true }] : []),
      { label: 'Trusted Devices…', action: { kind: 'open-window', route: { kind: 'settings', page: 'security' } } },
      { label: 'Settings…', action: { kind: 'open-window', route: { kind: 'settings', page: 'privacy' } } },
      { label: 'Remote access…', action: { kind: 'open-window', route: { kind: 'settings', page: 'remote' } } },
      { label: 'Open Latchkey in the browser', action: { kind: 'open-browser' } },
      { label: '', separator: true },
      { label: 'Quit Latchkey', action: { kind: 'quit' } },
    ],
  };
}
