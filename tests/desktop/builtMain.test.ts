import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { tempHome } from '../helpers/startServer.ts';

const exec = promisify(execFile);

describe('the built main process, loaded in Node with a stand-in for the electron module', () => {
  let result: any;
  const home = tempHome();
  before(async () => {
    await exec(process.execPath, ['bin/desktop.mjs', 'build']);
    writeFileSync(join(home, 'config.json'), JSON.stringify({ loopback_auth_bypass: false }));
    const { stdout } = await exec(process.execPath, ['tests/desktop/runBuiltMain.mjs'], { env: { ...process.env, LATCHKEY_HOME: home, LATCHKEY_E2E: '' } });
    result = JSON.parse(stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7));
  });

  it('starts the same server as latchkey serve on the home folder, with the per-launch secret for the app\'s windows only', () => {
    assert.deepEqual(result.errors, []);
    assert.match(result.ready.local, /^http:\/\/localhost:\d+$/);
    assert.equal(result.lock.pid, result.pid, 'the app holds the home folder lock, like latchkey serve');
    assert.equal(result.lock.local, result.ready.local);
    assert.equal(existsSync(join(home, 'server.lock')), false, 'and lets it go when it quits');
    assert.deepEqual(result.headerFilter, { urls: [`${result.ready.local}/.latchkey/*`] }, 'the secret goes to Latchkey\'s own paths only, never an app');
    assert.equal(result.secretHeader, 'x-latchkey-desktop');
    assert.equal(result.withSecret, 200, 'bypass off, yet the app\'s windows get in');
    assert.equal(result.withoutSecret, 401);
  });

  it('opens windows sandboxed with context isolation and no Node, locked to the app origin; IPC checks its sender; permissions denied', () => {
    const prefs = result.window.webPreferences;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.ok(existsSync(prefs.preload) && prefs.preload.endsWith('preload.cjs'));
    assert.equal(result.window.url, `${result.ready.local}/.latchkey/devices`);
    assert.deepEqual(result.prevented, ['evil'], 'navigation away from the app is stopped; inside it is not');
    assert.deepEqual(result.opened, { action: 'deny' });
    assert.match(result.foreign, /refused: not an app window/);
    assert.equal(result.closedByIpc, true);
    assert.equal(result.permission, false);
    assert.ok(existsSync(result.tray.image));
    assert.match(result.tray.tooltip, /no device is waiting/);
    assert.deepEqual(result.tray.items.slice(-3), ['Open Latchkey in the browser', 'separator', 'Quit Latchkey']);
  });
});
