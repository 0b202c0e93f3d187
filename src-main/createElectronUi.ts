import { BrowserWindow, Menu, Notification, Tray, app, dialog, nativeImage, shell, type Session } from 'electron';
import type { DesktopUi, TrayAction, TrayState, WindowRoute } from '../src-server/desktop/DesktopUi.ts';
import { windowUrl } from '../src-server/desktop/windowUrl.ts';
import { lk } from '../src-server/web/latchkeyPaths.ts';

/**
 * `DesktopUi` on Electron: a direct translation to Tray, Menu, Notification and
 * BrowserWindow. Every decision is made by the controller; this file only draws.
 */
export function createElectronUi(opts: {
  appOrigin: string;
  appSession: Session;
  preload: string;
  icon: string;
  onTrayAction: (action: TrayAction) => void;
}): DesktopUi & { lastTray(): TrayState | undefined } {
  const tray = new Tray(nativeImage.createFromPath(opts.icon));
  const windows = new Map<string, BrowserWindow>();
  let last: TrayState | undefined;
  const keyOf = (route: WindowRoute) => (route.kind === 'approval' ? `approval:${route.id}` : 'settings');

  function openWindow(route: WindowRoute) {
    const key = keyOf(route);
    const existing = windows.get(key);
    if (existing && !existing.isDestroyed()) {
      void existing.loadURL(windowUrl(route, opts.appOrigin));
      existing.show();
      existing.focus();
      return;
    }
    const win = new BrowserWindow({
      width: route.kind === 'approval' ? 460 : 900,
      height: route.kind === 'approval' ? 560 : 720,
      title: route.kind === 'approval' ? 'Latchkey — approve device' : 'Latchkey Settings',
      icon: opts.icon,
      show: false,
      webPreferences: {
        session: opts.appSession,
        preload: opts.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    windows.set(key, win);
    win.on('closed', () => windows.delete(key));
    win.once('ready-to-show', () => win.show());
    void win.loadURL(windowUrl(route, opts.appOrigin));
  }

  return {
    notify(spec, handlers) {
      const n = new Notification({ title: spec.title, body: spec.body, actions: spec.actions.map((text) => ({ type: 'button' as const, text })) });
      n.on('action', (_e, index) => handlers.onAction(spec.actions[index] ?? ''));
      n.on('click', () => handlers.onClick());
      n.show();
      return { close: () => n.close() };
    },
    setTray(state) {
      last = state;
      tray.setToolTip(state.tooltip);
      if (process.platform === 'darwin') tray.setTitle(state.badge);
      app.setBadgeCount(Number(state.badge || 0));
      tray.setContextMenu(Menu.buildFromTemplate(state.items.map((item) => (item.separator
        ? { type: 'separator' as const }
        : { label: item.label, enabled: item.action !== undefined, click: item.action ? () => opts.onTrayAction(item.action!) : undefined }))));
    },
    openWindow,
    openInBrowser: (path = lk('/')) => void shell.openExternal(`${opts.appOrigin}${path}`),
    openApp: (url: string) => void shell.openExternal(url),
    showError: (message) => dialog.showErrorBox('Latchkey', message),
    quit: () => app.quit(),
    lastTray: () => last,
  };
}
