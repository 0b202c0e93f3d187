// The Electron main process: a thin shell. It starts the same server as `latchkey serve`
// (createLatchkey, same home folder and listeners), and hands its events to the desktop
// controller in src-server/desktop, which decides everything; this file only wires.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import { createLatchkey, type Latchkey } from '../src-server/app/createLatchkey.ts';
import { resolveHome } from '../src-server/app/prepareHome.ts';
import { checkNavigation, isTrustedSender } from '../src-server/desktop/checkNavigation.ts';
import { createDesktopController } from '../src-server/desktop/createDesktopController.ts';
import type { DesktopUi, NotificationSpec } from '../src-server/desktop/DesktopUi.ts';
import { LATCHKEY_PREFIX } from '../src-server/web/latchkeyPaths.ts';
import { DESKTOP_HEADER } from '../src-server/gate/authenticate.ts';
import { createElectronUi } from './createElectronUi.ts';
import { IPC } from './ipcChannels.ts';
import { lockDown } from './lockDown.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// A second launch only tells the first one to show itself; it never starts another server.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

async function start() {
  await app.whenReady();
  // Made fresh at each launch and held only by this process: it signs the app's windows in
  // whether or not the loopback bypass is on, and is worthless once the app quits.
  const secret = randomBytes(32).toString('base64url');
  let lk: Latchkey;
  try {
    lk = await createLatchkey({ home: resolveHome(process.env.LATCHKEY_HOME), desktopSecret: secret, rendererDir: here('../dist-renderer') });
  } catch (err) {
    dialog.showErrorBox('Latchkey cannot start', (err as Error).message);
    app.exit(1);
    return;
  }
  const urls = await lk.listen();
  const appOrigin = new URL(urls.local).origin;

  const appSession = session.fromPartition('latchkey-app');
  // The secret goes only to Latchkey's own paths: never to an app, whatever path or origin it is on.
  appSession.webRequest.onBeforeSendHeaders({ urls: [`${appOrigin}${LATCHKEY_PREFIX}/*`] }, (details, callback) => {
    callback({ requestHeaders: { ...details.requestHeaders, [DESKTOP_HEADER]: secret } });
  });
  lockDown(appSession, appOrigin);

  let controller: ReturnType<typeof createDesktopController> | undefined;
  const ui = createElectronUi({
    appOrigin, appSession, preload: here('./preload.cjs'), icon: here('../assets/tray.png'),
    onTrayAction: (action) => controller?.run(action),
  });
  // The OS tray and notifications cannot be read by a test driver; end-to-end tests see the same
  // state here (LATCHKEY_E2E=1 only): the tray as drawn, the notifications as shown, the tray's actions.
  const shown: NotificationSpec[] = [];
  const e2e = process.env.LATCHKEY_E2E === '1';
  const controllerUi: DesktopUi = e2e ? { ...ui, notify: (spec, handlers) => (shown.push(spec), ui.notify(spec, handlers)) } : ui;
  controller = createDesktopController(lk.services, controllerUi, { canShowActions: process.platform === 'darwin' });
  if (e2e) {
    Object.assign(globalThis, { latchkeyE2E: {
      tray: () => ui.lastTray(),
      notifications: () => shown,
      run: (label: string) => {
        const item = ui.lastTray()?.items.find((i) => i.label.startsWith(label));
        if (item?.action) controller?.run(item.action);
        return Boolean(item?.action);
      },
    } });
  }

  ipcMain.handle(IPC.closeWindow, (event) => {
    if (!isTrustedSender(event.senderFrame?.url, appOrigin)) throw new Error('refused: not an app window');
    BrowserWindow.fromWebContents(event.sender)?.close();
  });
  ipcMain.handle(IPC.openExternal, (event, url: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url, appOrigin)) throw new Error('refused: not an app window');
    if (typeof url === 'string' && checkNavigation(url, appOrigin) === 'external') return shell.openExternal(url);
    throw new Error('refused: only https links open outside the app');
  });

  app.on('second-instance', () => controller?.secondInstance());
  // The app lives in the tray: closing its last window does not stop the server.
  app.on('window-all-closed', () => {});
  app.on('before-quit', () => {
    controller?.dispose();
    void lk.close();
  });
  // Tells an end-to-end test (and a curious user) where the listeners are.
  process.stdout.write(`${JSON.stringify({ ready: true, ...urls })}\n`);
}
