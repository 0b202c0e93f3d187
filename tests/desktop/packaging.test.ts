import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
// @ts-expect-error: a plain .mjs helper shared with bin/desktop.mjs
import { electronBinary } from '../../bin/electronBinary.mjs';

const exec = promisify(execFile);

describe('desktop packaging', () => {
  const config = parse(readFileSync('electron-builder.yml', 'utf8'));

  it('electron-builder.yml names the app, the installers for each platform, the icon and the fuses', () => {
    assert.equal(config.appId, 'dev.latchkey.desktop');
    assert.equal(config.productName, 'Latchkey');
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.equal(config.mac.target, 'dmg');
    assert.equal(config.win.target, 'nsis');
    for (const platform of ['linux', 'mac', 'win']) {
      assert.equal(config[platform].icon, 'assets/icon.png', platform);
      assert.ok(existsSync(config[platform].icon), `${platform} icon exists`);
    }
    assert.equal(config.asar, true);
    assert.deepEqual(config.electronFuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    assert.equal(config.extraMetadata.main, 'dist-main/main.mjs');
    assert.equal(JSON.parse(readFileSync('package.json', 'utf8')).main, 'dist-main/main.mjs');
    assert.ok(config.files.includes('dist-main/**') && config.files.includes('dist-renderer/**'));
  });

  const binary = electronBinary();
  it('npm start and npm run dist fail in one clear line where the Electron binary is missing', { skip: binary ? `an Electron binary is installed (${binary})` : false }, async () => {
    for (const command of ['start', 'dist']) {
      const r = await exec(process.execPath, ['bin/desktop.mjs', command]).then(() => ({ code: 0, stderr: '' }), (e) => ({ code: e.code as number, stderr: e.stderr as string }));
      assert.equal(r.code, 1, command);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${command}: one line, got ${r.stderr}`);
      assert.match(lines[0]!, /^latchkey: cannot (start the desktop app|build installers): the Electron binary is not installed here/);
    }
    // The build step itself ran: main, sandboxed preload (CommonJS) and the renderer bundle.
    for (const f of ['dist-main/main.mjs', 'dist-main/preload.cjs', 'dist-renderer/app.js', 'dist-renderer/app.css']) assert.ok(existsSync(f), f);
    assert.match(readFileSync('dist-main/preload.cjs', 'utf8'), /exposeInMainWorld\("latchkeyDesktop"/);
  });
});
