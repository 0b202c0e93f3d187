import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { startServer, tempHome } from '../helpers/startServer.ts';
import { softBrowser } from '../helpers/softBrowser.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const exec = promisify(execFile);
const BIN = 'bin/latchkey.mjs';

async function latchkey(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts `latchkey serve` and resolves once it has printed both listener lines. */
function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--local-port', '0', '--remote-port', '0', ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const ready = new Promise<{ local: string; remote: string }>((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const local = /^local: (http:\/\/localhost:\d+)$/m.exec(out);
      const remote = /^remote: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (local && remote) resolve({ local: local[1]!, remote: remote[1]! });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, ready, stderr: () => err };
}

const stop = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null) return resolve();
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
});

describe('the latchkey CLI', () => {
  const children: ChildProcess[] = [];
  after(async () => { for (const c of children) await stop(c); });

  it('serve prints one line per listener, uses LATCHKEY_HOME, and the client commands work against it', async () => {
    const home = tempHome();
    const server = serve([], { LATCHKEY_HOME: home });
    children.push(server.child);
    const { local } = await server.ready;
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.ok(statSync(join(home, 'trusted-passkeys.json')).isFile());

    const added = await latchkey(['origins', 'add', 'https://box.alice.ts.net', '--base-url', local]);
    assert.equal(added.code, 0);
    assert.equal(added.stdout.trim(), 'added https://box.alice.ts.net');
    const listed = await latchkey(['origins', 'list', '--json'], { LATCHKEY_URL: local });
    assert.deepEqual(JSON.parse(listed.stdout), ['https://box.alice.ts.net']);
    assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).public_origins, ['https://box.alice.ts.net']);

    const pending = await latchkey(['devices', 'pending', '--json', '--base-url', local]);
    assert.deepEqual(JSON.parse(pending.stdout), []);
    const human = await latchkey(['devices', 'list', '--base-url', local]);
    assert.equal(human.stdout.trim(), 'No trusted devices.');

    // A second server on the same home folder refuses, naming the first.
    const second = await latchkey(['serve', '--local-port', '0', '--remote-port', '0', '--home', home]);
    assert.notEqual(second.code, 0);
    assert.equal(second.stderr.trim().split('\n').length, 1);
    assert.match(second.stderr, new RegExp(`another Latchkey server \\(pid ${server.child.pid} at ${local}\\) is already using`));

    const removed = await latchkey(['origins', 'remove', 'https://box.alice.ts.net', '--base-url', local]);
    assert.equal(removed.code, 0);
  });

  it('errors are one line and a non-zero exit', async () => {
    const home = tempHome();
    const server = serve(['--home', home]);
    children.push(server.child);
    const { local } = await server.ready;
    for (const args of [
      ['devices', 'approve', 'req_missing', '--code', '47', '--base-url', local],
      ['devices', 'approve', 'req_missing', '--base-url', local],
      ['devices', 'approve', '--base-url', local],
      ['devices', 'approve', '--code', '4x', '--base-url', local],
      ['devices', 'approve', '--code', '47', '--base-url', local],
      ['devices', 'revoke', 'dev_missing', '--base-url', local],
      ['origins', 'add', 'http://plain.example', '--base-url', local],
      ['devices', 'list', '--base-url', 'http://localhost:1'],
      ['devices', 'list', '--base-url', 'not a url'],
    ]) {
      const r = await latchkey(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^latchkey: /);
      assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
    }
    assert.match((await latchkey(['devices', 'approve', 'req_missing', '--base-url', local])).stderr, /give the code the device shows with --code NN/);
    assert.match((await latchkey(['devices', 'approve', '--code', '47', '--base-url', local])).stderr, /No device waiting for approval shows code 47/);
    const unreachable = await latchkey(['devices', 'list', '--base-url', 'http://localhost:1']);
    assert.match(unreachable.stderr, /cannot reach the Latchkey server at http:\/\/localhost:1/);
  });

  it('refuses a bad config value at start-up with a message naming the key', async () => {
    for (const [config, key] of [
      [{ grace: 'wide-open' }, 'grace'],
      [{ require_auth: 'yes' }, 'require_auth'],
      [{ public_origins: ['http://box.example'] }, 'public_origins[0]'],
      [{ trusted_proxies: ['not-an-ip'] }, 'trusted_proxies[0]'],
      [{ rp_id: 'example.com', public_origins: ['https://box.alice.ts.net'] }, 'rp_id'],
      [{ requre_auth: false }, 'requre_auth'],
    ] as const) {
      const home = tempHome();
      writeFileSync(join(home, 'config.json'), JSON.stringify(config));
      const r = await latchkey(['serve', '--home', home, '--local-port', '0', '--remote-port', '0']);
      assert.equal(r.code, 1, JSON.stringify(config));
      assert.match(r.stderr, new RegExp(`"${key.replace(/[[\]]/g, '\\$&')}"`), r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    const home = tempHome();
    writeFileSync(join(home, 'config.json'), '{ not json');
    const r = await latchkey(['serve', '--home', home]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.json: not valid JSON/);
  });

  it('says loudly when the gate is off', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'config.json'), JSON.stringify({ require_auth: false }));
    const server = serve(['--home', home]);
    children.push(server.child);
    await server.ready;
    assert.match(server.stderr(), /THE GATE IS OFF/);
  });

  it('moves a corrupt store aside with a clear message instead of resetting it silently', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'trusted-passkeys.json'), '{"version":1,"passkeys":[{"id":', { mode: 0o600 });
    const server = serve(['--home', home]);
    children.push(server.child);
    await server.ready;
    assert.match(server.stderr(), /trusted-passkeys\.json is corrupt .* moved to .*trusted-passkeys\.json\.corrupt-/);
    const aside = readFileSync(join(home, 'trusted-passkeys.json'), 'utf8');
    const moved = /moved to (\S+);/.exec(server.stderr())![1]!;
    assert.equal(readFileSync(moved, 'utf8'), '{"version":1,"passkeys":[{"id":', 'the original bytes are kept');
    assert.equal(JSON.parse(aside).recovered_from, moved);
  });

  it('has --help for every command', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['devices', '--help'], ['devices', 'pending', '--help'], ['origins', 'add', '--help']]) {
      const r = await latchkey(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /Usage: latchkey/);
    }
    const list = await latchkey(['devices', 'list', '--help']);
    assert.match(list.stdout, /--json/);
    assert.match(list.stdout, /--base-url/);
  });

  it('--version prints the package version', async () => {
    const r = await latchkey(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('without --base-url or LATCHKEY_URL, client commands find the server running on the home folder through server.lock, on any port', async () => {
    const home = tempHome();
    const server = serve([], { LATCHKEY_HOME: home });
    children.push(server.child);
    const { local } = await server.ready;
    assert.notEqual(new URL(local).port, '8787', 'a port other than the default');
    const env: Record<string, string> = { LATCHKEY_HOME: home };
    const list = await latchkey(['origins', 'add', 'https://found.example.ts.net'], { ...env, LATCHKEY_URL: '' });
    assert.equal(list.code, 0, list.stderr);
    assert.match(readFileSync(join(home, 'config.json'), 'utf8'), /found\.example\.ts\.net/, 'the command reached that server');
    await stop(server.child);
    // With the server gone, its lock is gone (or stale) and the default is tried, and named in the error.
    const gone = await latchkey(['devices', 'list'], { ...env, LATCHKEY_URL: '' });
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /^latchkey: cannot reach the Latchkey server at http:\/\/localhost:8787/);
  });

  it('serve --home: it says how client commands find it, they take --home, a waiting phone is printed with the command that approves it, and a port in use is named with its holder', async () => {
    const home = tempHome({ public_origins: ['https://box.alice.ts.net'] });
    const server = serve(['--home', home]);
    children.push(server.child);
    let out = '';
    server.child.stdout!.on('data', (c) => { out += c; });
    const { local, remote } = await server.ready;
    const waitForLine = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 25));
      return re.exec(out)?.[0];
    };
    assert.ok(await waitForLine(new RegExp(`^client commands find this server with --home ${home} \\(or LATCHKEY_HOME=${home}\\)$`, 'm')), out);

    // Neither --base-url, LATCHKEY_URL nor LATCHKEY_HOME: --home alone finds it.
    const added = await latchkey(['apps', 'add', 'vite', 'http://localhost:5173', '--home', home], { LATCHKEY_URL: '', LATCHKEY_HOME: '' });
    assert.equal(added.code, 0, added.stderr);
    assert.match(readFileSync(join(home, 'config.json'), 'utf8'), /"vite"/);

    const phone = softBrowser(Number(new URL(remote).port));
    const asked = await phone.pair('Pixel 8');
    assert.deepEqual([asked.status, asked.body.status], [200, 'pending']);
    const line = await waitForLine(/^pending: .*$/m);
    assert.match(String(line), /^pending: "Pixel 8" \(iPhone, Mobile Safari [\d.]+, iOS [\d.]+\) wants access from https:\/\/box\.alice\.ts\.net at 127\.0\.0\.1; expires in 5 min\./);
    assert.ok(String(line).includes(`Approve: latchkey devices approve --home ${home} --code NN (the code the device shows).`), String(line));
    assert.ok(!out.includes(`--code ${asked.body.request.code}`) && !out.includes(` ${asked.body.request.code} `), 'the code is never printed: it is read off the phone');
    const pendingId = JSON.parse((await latchkey(['devices', 'pending', '--json', '--home', home], { LATCHKEY_URL: '' })).stdout)[0].id;
    assert.ok(String(line).endsWith(`Deny: latchkey devices deny --home ${home} ${pendingId}`), String(line));

    // The local port is now taken: a second server elsewhere is told by whom, and how to pick another.
    const taken = await latchkey(['serve', '--local-port', new URL(local).port, '--remote-port', '0', '--home', tempHome()]);
    assert.notEqual(taken.code, 0);
    assert.equal(taken.stderr.trim().split('\n').length, 1, taken.stderr);
    assert.match(taken.stderr.trim(), new RegExp(`^latchkey: port ${new URL(local).port} \\(the local listener\\) is in use by PID ${server.child.pid} \\(.*bin/latchkey\\.mjs serve.*\\)\\. Stop that, or pick another port: latchkey serve --local-port N \\(0 = any free\\)\\.$`));
  });

  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it('devices approve ID asks for the code on a terminal, and approves with the one typed', { skip: hasScript ? false : 'skipped: no `script` command to give the CLI a terminal' }, async () => {
    const s = await startServer();
    try {
      const { request, code } = s.lk.services.pending.create({
        name: 'Tty phone', device_type: 'iPhone', browser: 'Safari', os: 'iOS', origin: 'https://box.alice.ts.net', rp_id: 'alice.ts.net',
        fingerprint: '0000', ip: '203.0.113.5', device: testPasskey('dev_tty'),
      }, { listener: 'remote', ip: '203.0.113.5' });
      // `script` runs the CLI on a pseudo-terminal, as a person at a shell would.
      const child = spawn('script', ['-qec', `${process.execPath} ${BIN} devices approve ${request.id} --base-url ${s.local}`, '/dev/null']);
      let out = '';
      let typed = false;
      child.stdout.on('data', (c) => {
        out += c;
        if (!typed && out.includes('Code shown on the device: ')) {
          typed = true;
          child.stdin.write(`${code}\n`);
        }
      });
      const exit = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(exit, 0, out);
      assert.match(out, new RegExp(`approved ${request.id}: device dev_tty`));
      assert.ok(s.lk.services.store.get('dev_tty'), 'the device is trusted');
    } finally {
      await s.close();
    }
  });
});
