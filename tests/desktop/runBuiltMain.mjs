// Loads the built main process with `electron` mapped to fakeElectron.mjs, then plays the OS
// and Chromium against it and prints what it saw as one JSON line.
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';

register('data:text/javascript,' + encodeURIComponent(`
  export async function resolve(specifier, context, next) {
    if (specifier === 'electron') return { url: ${JSON.stringify(new URL('./fakeElectron.mjs', import.meta.url).href)}, shortCircuit: true };
    return next(specifier, context);
  }`));

const lines = [];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => { lines.push(String(chunk)); return write(chunk, ...rest); };
await import(new URL('../../dist-main/main.mjs', import.meta.url).href);
const f = globalThis.fakeElectron;
for (let i = 0; i < 200 && !lines.join('').includes('"ready":true'); i++) await new Promise((r) => setTimeout(r, 50));
const ready = JSON.parse(lines.join('').split('\n').find((l) => l.startsWith('{"ready"')));

// Chromium asks the session for request headers: the app's origin gets the secret, nothing else does.
const appSession = f.sessions.find((s) => s.name === 'latchkey-app');
const headers = await new Promise((resolve) => appSession.addHeaders({ url: `${ready.local}/.latchkey/api/devices`, requestHeaders: { Accept: '*/*' } }, (r) => resolve(r.requestHeaders)));
const withSecret = await fetch(`${ready.local}/.latchkey/api/devices/pending`, { headers }).then((r) => r.status);
const withoutSecret = await fetch(`${ready.local}/.latchkey/api/devices/pending`).then((r) => r.status);

// A second launch opens a window; its web preferences are the checklist's.
f.appEvents.emit('second-instance');
const win = f.windows[0];
const prevented = [];
win.webContents.emit('will-navigate', { preventDefault: () => prevented.push('evil') }, 'https://evil.example/');
win.webContents.emit('will-navigate', { preventDefault: () => prevented.push('app') }, `${ready.local}/.latchkey/settings/privacy`);
const opened = win.webContents.openHandler({ url: 'file:///etc/passwd' });

// IPC from a foreign page is refused; from the app's page it works.
const close = f.ipc.get('latchkey:close-window');
let foreign = 'accepted';
try { await close({ senderFrame: { url: 'https://evil.example/' }, sender: win.webContents }); } catch (e) { foreign = e.message; }
await close({ senderFrame: { url: `${ready.local}/.latchkey/approve?request=x` }, sender: win.webContents });

const permission = await new Promise((resolve) => appSession.permissionRequest({}, 'geolocation', resolve));
const tray = f.trays[0];
write(`RESULT ${JSON.stringify({
  ready, headerFilter: appSession.headerFilter, secretHeader: Object.keys(headers).find((h) => h.toLowerCase() === 'x-latchkey-desktop') ?? null,
  withSecret, withoutSecret, window: { url: win.url, webPreferences: { ...win.options.webPreferences, session: undefined } },
  prevented, opened, foreign, closedByIpc: win.destroyed, permission,
  tray: { tooltip: tray.tooltip, image: tray.image.path, items: tray.menu.items.map((i) => i.label ?? i.type) },
  errors: f.errors, lock: JSON.parse(readFileSync(join(process.env.LATCHKEY_HOME, 'server.lock'), 'utf8')), pid: process.pid,
})}\n`);
f.appEvents.emit('before-quit');
setTimeout(() => process.exit(0), 300);
