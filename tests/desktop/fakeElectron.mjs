// A stand-in for the `electron` module, so the built main process (dist-main/main.mjs) can be
// loaded in plain Node where no Electron binary exists. It records what main.ts asks of
// Electron; the smoke test then plays the part of Chromium and the OS against those records.
import { EventEmitter } from 'node:events';

export const record = { windows: [], notifications: [], trays: [], ipc: new Map(), appEvents: new EventEmitter(), sessions: [], errors: [], quit: 0 };
globalThis.fakeElectron = record;

class FakeWebContents extends EventEmitter {
  setWindowOpenHandler(fn) { this.openHandler = fn; }
}

export const app = {
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  on: (event, fn) => { record.appEvents.on(event, fn); return app; },
  quit: () => { record.quit++; },
  exit: (code) => { record.quit++; record.exitCode = code; },
  setBadgeCount: (n) => { record.badge = n; },
};

export const session = {
  fromPartition: (name) => {
    const s = {
      name,
      webRequest: { onBeforeSendHeaders: (filter, fn) => { s.headerFilter = filter; s.addHeaders = fn; } },
      setPermissionRequestHandler: (fn) => { s.permissionRequest = fn; },
      setPermissionCheckHandler: (fn) => { s.permissionCheck = fn; },
    };
    record.sessions.push(s);
    return s;
  },
};

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    this.destroyed = false;
    record.windows.push(this);
    record.appEvents.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url) { this.url = url; return Promise.resolve(); }
  show() { this.shown = true; }
  focus() {}
  close() { this.destroyed = true; this.emit('closed'); }
  isDestroyed() { return this.destroyed; }
  static fromWebContents(contents) { return record.windows.find((w) => w.webContents === contents); }
}

export class Tray {
  constructor(image) { this.image = image; record.trays.push(this); }
  setToolTip(t) { this.tooltip = t; }
  setTitle(t) { this.title = t; }
  setContextMenu(menu) { this.menu = menu; }
}

export const Menu = { buildFromTemplate: (items) => ({ items }) };

export class Notification extends EventEmitter {
  constructor(options) { super(); this.options = options; record.notifications.push(this); }
  show() { this.shown = true; }
  close() { this.closed = true; }
}

export const nativeImage = { createFromPath: (path) => ({ path }) };
export const ipcMain = { handle: (channel, fn) => record.ipc.set(channel, fn) };
export const dialog = { showErrorBox: (title, message) => record.errors.push(`${title}: ${message}`) };
export const shell = { openExternal: async (url) => { record.opened = url; } };
export default { app, session, BrowserWindow, Tray, Menu, Notification, nativeImage, ipcMain, dialog, shell };
