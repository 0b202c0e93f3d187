import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildTrayState } from '../../src-server/desktop/buildTrayState.ts';
import { checkNavigation, isTrustedSender } from '../../src-server/desktop/checkNavigation.ts';
import { createDesktopController } from '../../src-server/desktop/createDesktopController.ts';
import { describePendingNotification } from '../../src-server/desktop/describePendingNotification.ts';
import { approvePending } from '../../src-server/devices/decidePending.ts';
import type { DesktopUi, NotificationSpec, TrayState, WindowRoute } from '../../src-server/desktop/DesktopUi.ts';
import { windowUrl } from '../../src-server/desktop/windowUrl.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';
import { softBrowser } from '../helpers/softBrowser.ts';

/** A DesktopUi that records what the controller asked for, and lets the test press buttons. */
function fakeUi() {
  const notes: Array<{ spec: NotificationSpec; closed: boolean; press(label: string): void; click(): void }> = [];
  const trays: TrayState[] = [];
  const opened: Array<string | null> = [];
  const windows: WindowRoute[] = [];
  const errors: string[] = [];
  let quit = 0;
  let browser = 0;
  const ui: DesktopUi = {
    notify(spec, handlers) {
      const note = { spec, closed: false, press: handlers.onAction, click: handlers.onClick };
      notes.push(note);
      return { close: () => { note.closed = true; } };
    },
    setTray: (state) => { trays.push(state); },
    openWindow: (route) => { windows.push(route); },
    openInBrowser: (path?: string) => { browser++; opened.push(path ?? null); },
    openApp: (url: string) => { opened.push(url); },
    showError: (m) => { errors.push(m); },
    quit: () => { quit++; },
  };
  return { ui, notes, trays, windows, errors, opened, quits: () => quit, browsers: () => browser, tray: () => trays.at(-1)! };
}

const passkey = (id: string) => testPasskey(id, { name: 'iPhone', fingerprint: 'abcd ef01 2345 6789' });

describe('desktop controller (main-process logic, driven through a fake DesktopUi)', () => {
  let s: TestServer;
  before(async () => { s = await startServer({}); });
  after(() => s.close());

  let clients = 0;
  const requestWithCode = (id: string, name = 'iPhone') => s.lk.services.pending.create({
    name, device_type: 'iPhone', browser: 'Mobile Safari 17', os: 'iOS 17.4', origin: 'https://box.alice.ts.net',
    rp_id: 'alice.ts.net', fingerprint: 'abcd ef01 2345 6789', ip: '100.64.0.7', device: passkey(id),
  }, { listener: 'remote', ip: `100.64.0.${++clients}` });
  const request = (id: string, name = 'iPhone') => requestWithCode(id, name).request;
  /** A decision made elsewhere, e.g. with `latchkey devices deny`. */
  const denyElsewhere = (id: string) => {
    s.lk.services.pending.claim(id, 'denied');
    s.lk.services.pending.settle(id);
  };

  it('a pending device → a notification at once, origin first and no code; Approve… opens the approval window (the code is picked there); the right pick trusts it and updates the tray', async () => {
    const f = fakeUi();
    const c = createDesktopController(s.lk.services, f.ui, { canShowActions: true });
    try {
      assert.equal(f.tray().badge, '');
      const { request: p, code } = requestWithCode('dev_a');
      assert.equal(f.notes.length, 1);
      assert.deepEqual(f.notes[0]!.spec, {
        title: 'box.alice.ts.net wants access',
        body: 'A new device: iPhone · Mobile Safari 17. Type the code it shows to approve.',
        actions: ['Approve…', 'Deny'],
      });
      assert.ok(!JSON.stringify(f.notes[0]!.spec).includes(code), 'the code itself is never on the computer\'s screen');
      assert.equal(f.tray().badge, '1');
      assert.match(f.tray().tooltip, /1 device waiting/);
      const item = f.tray().items.find((i) => i.label.startsWith('iPhone · Mobile Safari 17 · https://box.alice.ts.net'));
      assert.deepEqual(item?.action, { kind: 'open-window', route: { kind: 'approval', id: p.id } });

      f.notes[0]!.press('Approve…');
      assert.deepEqual(f.windows, [{ kind: 'approval', id: p.id }]);
      assert.equal(s.lk.services.store.get('dev_a'), undefined, 'the notification alone approves nothing');
      await approvePending(s.lk.services, p.id, code, { via: 'desktop', ip: 'desktop-app' });
      assert.ok(s.lk.services.store.get('dev_a'), 'approved devices are stored');
      assert.equal(f.notes[0]!.closed, true, 'the notification goes once decided');
      assert.equal(f.tray().badge, '');
      const audit = readFileSync(s.lk.services.audit.file, 'utf8');
      assert.match(audit, /"method":"approve","device_id":"dev_a".*"approved_by":"desktop"/);
    } finally {
      c.dispose();
    }
  });

  it('Deny stores nothing; without actions, clicking opens the approval window; a request decided elsewhere closes its notification', () => {
    const f = fakeUi();
    const c = createDesktopController(s.lk.services, f.ui, { canShowActions: false });
    try {
      const p = request('dev_b', 'Bob phone');
      assert.deepEqual(f.notes[0]!.spec.actions, [], 'Linux and Windows notifications carry no buttons');
      assert.match(f.notes[0]!.spec.body, /^A new device: Bob phone \(iPhone\) · /);
      f.notes[0]!.click();
      assert.deepEqual(f.windows, [{ kind: 'approval', id: p.id }]);
      f.notes[0]!.press('Deny');
      assert.equal(s.lk.services.store.get('dev_b'), undefined);
      assert.equal(s.lk.services.pending.list().find((x) => x.id === p.id), undefined);

      const q = request('dev_c');
      denyElsewhere(q.id);
      assert.equal(f.notes[1]!.closed, true);
    } finally {
      c.dispose();
    }
  });

  it('acting on a request that is gone shows an error instead of failing silently', async () => {
    const f = fakeUi();
    const c = createDesktopController(s.lk.services, f.ui, { canShowActions: true });
    try {
      const p = request('dev_d');
      denyElsewhere(p.id);
      f.notes[0]!.press('Deny');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(f.errors.length, 1);
      assert.match(f.errors[0]!, /already denied/);
    } finally {
      c.dispose();
    }
  });

  it('tray actions, a second launch, and one notice per launch for keys about to expire', async () => {
    await s.lk.services.tokens.create({ kind: 'api_key', name: 'grafana', scopes: ['api:read'], lifetimeMs: 10 * 86_400_000, deviceId: null });
    const f = fakeUi();
    const c = createDesktopController(s.lk.services, f.ui, { canShowActions: true });
    try {
      const notice = f.notes.find((n) => n.spec.title === 'API key expires soon');
      assert.match(notice!.spec.body, /^"grafana" \(key_[0-9a-f]{12}\) expires in 10 days\. Rotate it in Latchkey → API keys\.$/);
      notice!.click();
      assert.deepEqual(f.windows.at(-1), { kind: 'settings', page: 'keys' });
      c.warnExpiringKeys();
      assert.equal(f.notes.filter((n) => n.spec.title === 'API key expires soon').length, 1, 'not repeated');

      c.secondInstance();
      assert.deepEqual(f.windows.at(-1), { kind: 'settings', page: 'devices' });
      const p = request('dev_e');
      c.secondInstance();
      assert.deepEqual(f.windows.at(-1), { kind: 'approval', id: p.id }, 'a second launch shows what is waiting');
      for (const item of f.tray().items) if (item.action) c.run(item.action);
      assert.equal(f.quits(), 1);
      assert.equal(f.browsers(), 1);
      assert.deepEqual(f.windows.slice(-5), [{ kind: 'approval', id: p.id }, { kind: 'settings', page: 'devices' }, { kind: 'settings', page: 'activity' }, { kind: 'settings', page: 'security' }, { kind: 'settings', page: 'remote' }]);
    } finally {
      c.dispose();
    }
  });
});

describe('the tray lists the apps behind the gate', () => {
  it('adding an app adds "Open NAME" at once; it opens the app in the system browser, on the app origin; removing takes it away', async () => {
    const s = await startServer({});
    const f = fakeUi();
    const c = createDesktopController(s.lk.services, f.ui, { canShowActions: false });
    try {
      assert.equal(f.tray().items.some((i) => i.action?.kind === 'open-app'), false);
      await s.lk.services.apps.add({ name: 'notes', upstream: 'http://127.0.0.1:3999', path: '/notes' });
      const item = f.tray().items.find((i) => i.label === 'Open notes');
      assert.ok(item, 'listed without a restart');
      c.run(item.action!);
      // On the local app origin, never Latchkey's own localhost origin (whose windows hold the desktop secret).
      assert.deepEqual(f.opened, [`http://127.0.0.1:${s.localPort}/notes`]);
      c.run(f.tray().items.find((i) => i.label === 'Apps…')!.action!);
      assert.deepEqual(f.windows.at(-1), { kind: 'settings', page: 'apps' });
      await s.lk.services.apps.remove('notes');
      assert.equal(f.tray().items.some((i) => i.label === 'Open notes'), false);
    } finally {
      c.dispose();
      await s.close();
    }
  });
});

describe('the desktop is told about every backup-code sign-in', () => {
  it('a backup code used on the tunnel raises "Backup code used from … at IP, N codes left"; clicking opens Security', async () => {
    const s = await startServer({ config: { public_origins: ['https://box.alice.ts.net'] } });
    const f = fakeUi();
    const c = createDesktopController(s.lk.services, f.ui, { canShowActions: true });
    try {
      const { body } = await s.api('POST', '/.latchkey/api/fallbacks/backup-codes');
      const phone = softBrowser(s.remotePort, { ip: '203.0.113.9' });
      const r = await phone.send('POST', '/.latchkey/auth/fallback/signin', { method: 'backup-code', code: body.codes[0], name: 'Hotel PC' });
      assert.equal(r.body.status, 'signed_in');
      assert.equal(f.notes.length, 1);
      assert.deepEqual(f.notes[0]!.spec, {
        title: 'Backup code used',
        body: 'Backup code used from Hotel PC · Mobile Safari 17 at 203.0.113.9, 9 codes left. Not you? Remove that browser in Devices.',
        actions: [],
      });
      f.notes[0]!.click();
      assert.deepEqual(f.windows.at(-1), { kind: 'settings', page: 'devices' });
      c.dispose();
      await phone.send('POST', '/.latchkey/auth/fallback/signin', { method: 'backup-code', code: body.codes[1] });
      assert.equal(f.notes.length, 1, 'a disposed controller no longer listens');
    } finally {
      c.dispose();
      await s.close();
    }
  });
});

describe('the desktop is told about failure spikes', () => {
  it('a spike raises one notification and counts in the tray until acknowledged', async () => {
    const s = await startServer({ config: { alerts: { failures_per_client: 3 } } });
    const f = fakeUi();
    const c = createDesktopController(s.lk.services, f.ui, { canShowActions: false });
    try {
      for (let i = 0; i < 5; i++) s.lk.services.audit.record({ outcome: 'failure', method: 'token', ip: '203.0.113.7', origin: 'https://box.alice.ts.net', reason: 'token_unknown' });
      const notes = f.notes.filter((n) => n.spec.title === 'Failed sign-ins');
      assert.equal(notes.length, 1, 'one per window');
      assert.equal(notes[0]!.spec.body, '3 failed sign-ins in 5 minutes from 203.0.113.7 on box.alice.ts.net. Check Activity; the home page shows a banner until you acknowledge it.');
      notes[0]!.click();
      assert.deepEqual(f.windows.at(-1), { kind: 'settings', page: 'activity' });
      assert.equal(f.tray().badge, '1');
      assert.equal(f.tray().items[0]!.label, '1 alert: failed sign-ins…');
      const [alert] = s.lk.services.alerts.list().alerts;
      await s.lk.services.alerts.acknowledge(alert!.id);
      assert.equal(f.tray().badge, '');
    } finally {
      c.dispose();
      await s.close();
    }
  });
});

describe('desktop controller: agents', () => {
  it('an agent a phone allowed raises a notification naming the phone, the agent, where it returns and the app, never the code; clicking opens Devices', async () => {
    const s = await startServer({});
    const f = fakeUi();
    const c = createDesktopController(s.lk.services, f.ui, { canShowActions: true });
    try {
      s.lk.services.agents.events.emit('waiting', { uid: 'u1', client_name: 'Claude', client_id: 'c1', redirect_host: '127.0.0.1:3334', app: 'tools', origin: 'https://box.alice.ts.net', device_id: 'd1', device_name: 'Pixel 8', expires_in_s: 600 });
      const note = f.notes.find((n) => n.spec.title === 'Agent waiting: Claude');
      assert.deepEqual(note?.spec, {
        title: 'Agent waiting: Claude',
        body: 'Pixel 8 allowed "Claude" (returns to 127.0.0.1:3334) to use tools. Type the code Pixel 8 shows, in Latchkey → Devices → Agents.',
        actions: [],
      });
      note!.click();
      assert.deepEqual(f.windows.at(-1), { kind: 'settings', page: 'devices' });
    } finally {
      c.dispose();
      await s.close();
    }
    assert.equal(s.lk.services.agents.events.listenerCount('waiting'), 0, 'dispose lets go of the agents\' events');
  });
});

describe('desktop rules', () => {
  const app = 'http://localhost:8787';
  it('windows stay on Latchkey\'s own pages; apps and https go to the system browser; everything else nowhere', () => {
    assert.equal(checkNavigation(`${app}/.latchkey/settings/security`, app), 'allow');
    assert.equal(checkNavigation('https://github.com/latchkey', app), 'external');
    // An app, on either local origin, never loads in a window that holds the desktop secret and the preload.
    for (const url of [`${app}/`, `${app}/jupyter/tree`, `${app}/.latchkeyx`, 'http://127.0.0.1:8787/', 'http://127.0.0.1:8787/.latchkey/devices', 'http://[::1]:8787/vite/']) {
      assert.equal(checkNavigation(url, app), 'external', url);
      assert.equal(isTrustedSender(url, app), false, url);
    }
    for (const url of ['http://localhost:8788/', 'http://127.0.0.1:8788/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'https://user:pw@evil.example/', 'not a url', 'latchkey://x']) {
      assert.equal(checkNavigation(url, app), 'deny', url);
    }
    assert.equal(isTrustedSender(`${app}/.latchkey/approve?request=x`, app), true);
    assert.equal(isTrustedSender('https://evil.example/', app), false);
    assert.equal(isTrustedSender(undefined, app), false);
  });

  it('window routes and notification text', () => {
    assert.equal(windowUrl({ kind: 'approval', id: 'req_a/b' }, app), `${app}/.latchkey/approve?request=req_a%2Fb`);
    assert.equal(windowUrl({ kind: 'settings', page: 'devices' }, app), `${app}/.latchkey/devices`);
    const empty = buildTrayState([]);
    assert.equal(empty.items[0]!.label, 'No device is waiting for approval');
    assert.equal(empty.items[0]!.action, undefined);
    assert.equal(empty.items.at(-1)!.label, 'Quit Latchkey');
    const spec = describePendingNotification({ id: 'r', name: 'iPhone', device_type: 'iPhone', browser: 'Safari', os: 'iOS', origin: 'https://box.alice.ts.net', rp_id: 'alice.ts.net', fingerprint: 'f', ip: 'i', created_at: '', expires_at: '', expires_in_s: 300, kind: 'passkey', method: 'passkey', guest: null }, true);
    assert.equal(`${spec.title}: ${spec.body}`, 'box.alice.ts.net wants access: A new device: iPhone · Safari. Type the code it shows to approve.');
    const browser = describePendingNotification({ id: 'r', name: 'Laptop', device_type: 'Desktop', browser: 'Chrome', os: 'Linux', origin: 'https://box.alice.ts.net', rp_id: 'alice.ts.net', fingerprint: 'f', ip: 'i', created_at: '', expires_at: '', expires_in_s: 300, kind: 'browser', method: 'password', guest: null }, true);
    assert.equal(`${browser.title}: ${browser.body}`, 'box.alice.ts.net wants access: A new browser: Laptop (Desktop) · Chrome · no passkey, signed in with a password. Type the code it shows to approve.');
  });
});
