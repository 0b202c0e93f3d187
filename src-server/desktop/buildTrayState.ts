import type { PendingView } from '../devices/createPendingRegistry.ts';
import type { TrayState } from './DesktopUi.ts';

/**
 * The tray icon's tooltip, badge and menu: the pending requests first, unacknowledged alerts
 * next, then the apps behind the gate. The badge counts both: each wants the person's eyes.
 */
export function buildTrayState(pending: readonly PendingView[], apps: ReadonlyArray<{ name: string; url: string }> = [], alerts = 0): TrayState {
  const n = pending.length;
  const waiting = n === 0 ? 'No device is waiting for approval' : `${n} device${n === 1 ? '' : 's'} waiting for approval`;
  const alarm = `${alerts} alert${alerts === 1 ? '' : 's'}: failed sign-ins…`;
  return {
    tooltip: `Latchkey — ${waiting.toLowerCase()}${alerts ? `, ${alerts} alert${alerts === 1 ? '' : 's'}` : ''}`,
    badge: n + alerts === 0 ? '' : String(n + alerts),
    items: [
      ...(alerts ? [{ label: alarm, action: { kind: 'open-window', route: { kind: 'settings', page: 'activity' } } as const }] : []),
      { label: waiting },
      ...pending.map((p) => ({
        label: `${p.name} · ${p.browser} · ${p.origin}…`,
        action: { kind: 'open-window', route: { kind: 'approval', id: p.id } } as const,
      })),
      { label: '', separator: true },
      ...apps.map((a) => ({ label: `Open ${a.name}`, action: { kind: 'open-app', url: a.url } as const })),
      ...(apps.length ? [{ label: 'Apps…', action: { kind: 'open-window', route: { kind: 'settings', page: 'apps' } } as const }, { label: '', separator: true }] : []),
      { label: 'Devices…', action: { kind: 'open-window', route: { kind: 'settings', page: 'devices' } } },
      { label: 'Activity…', action: { kind: 'open-window', route: { kind: 'settings', page: 'activity' } } },
      { label: 'Security…', action: { kind: 'open-window', route: { kind: 'settings', page: 'security' } } },
      { label: 'Remote access…', action: { kind: 'open-window', route: { kind: 'settings', page: 'remote' } } },
      { label: 'Open Latchkey in the browser', action: { kind: 'open-browser' } },
      { label: '', separator: true },
      { label: 'Quit Latchkey', action: { kind: 'quit' } },
    ],
  };
}
