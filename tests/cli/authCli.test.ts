import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnCli } from '../helpers/spawnCli.ts';
import { startServer, tempHome, type TestServer } from '../helpers/startServer.ts';

const DAY = 86_400_000;

describe('latchkey auth and keys (spawned CLI against a running server)', () => {
  let s: TestServer;
  let xdg: string;
  before(async () => {
    s = await startServer({});
    xdg = tempHome();
  });
  after(() => s.close());

  const run = async (args: string[], env: Record<string, string> = {}) => {
    const p = spawnCli(args, { XDG_CONFIG_HOME: xdg, LATCHKEY_API_TOKEN: '', LATCHKEY_URL: '', ...env });
    const code = await p.exit;
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  };
  const create = async (name: string, extra: string[] = []) => {
    const r = await run(['keys', 'create', '--name', name, '--json', '--base-url', s.local, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { key: any; secret: string };
  };
  const whoamiId = async (args: string[], env: Record<string, string> = {}) => {
    const r = await run(['auth', 'whoami', '--json', ...args], env);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).token?.id ?? null;
  };

  it('keys create prints the secret once with a warning; list, rotate and revoke work', async () => {
    const made = await run(['keys', 'create', '--name', 'nightly backup', '--scopes', 'devices:read,keys:read', '--expires', '90d', '--base-url', s.local]);
    assert.equal(made.code, 0, made.stderr);
    const [head, secret, note] = made.stdout.trim().split('\n');
    assert.match(head!, /^created (key_[0-9a-f]{12}) \(nightly backup\), scopes devices:read,keys:read, expires \S+$/);
    assert.match(secret!, /^lk_sk_/);
    assert.equal(note, 'Store this secret now: it is not shown again.');
    const id = /^created (\S+)/.exec(head!)![1]!;

    const list = await run(['keys', 'list', '--base-url', s.local]);
    assert.match(list.stdout, new RegExp(`${id}\\s+api_key\\s+nightly backup\\s+devices:read,keys:read\\s+none\\s+active`));
    assert.ok(!list.stdout.includes(secret!), 'never shown again');

    const rotated = await run(['keys', 'rotate', id, '--grace', '1h', '--base-url', s.local]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const newSecret = rotated.stdout.split('\n')[1]!;
    assert.match(newSecret, /^lk_sk_/);
    assert.notEqual(newSecret, secret);
    assert.match(rotated.stdout, /The old secret keeps working until \S+\.$/m);
    assert.equal(await whoamiId(['--token', secret!, '--base-url', s.local]), id, 'old secret inside its grace');
    assert.equal(await whoamiId(['--token', newSecret, '--base-url', s.local]), id);

    const revoked = await run(['keys', 'revoke', id, '--base-url', s.local]);
    assert.equal(revoked.stdout, `revoked ${id}\n`);
    const refused = await run(['auth', 'whoami', '--token', newSecret, '--base-url', s.local]);
    assert.deepEqual([refused.code, refused.stderr], [1, 'latchkey: This token was revoked.\n']);
    assert.ok(!(await run(['keys', 'list', '--base-url', s.local])).stdout.includes(id));
    assert.match((await run(['keys', 'list', '--all', '--base-url', s.local])).stdout, new RegExp(`${id}.*revoked`));
  });

  it('keys list warns about a key that expires within 25 days; the key\'s own responses carry a warning too', async () => {
    const { key, secret } = await create('short-lived', ['--expires', '10d']);
    const list = await run(['keys', 'list', '--base-url', s.local]);
    assert.match(list.stdout, new RegExp(`^warning: ${key.id} \\(short-lived\\) expires in 10 days \\(\\S+\\); rotate it: latchkey keys rotate ${key.id}$`, 'm'));
    const used = await run(['auth', 'whoami', '--token', secret, '--base-url', s.local]);
    assert.equal(used.code, 0);
    assert.match(used.stderr, new RegExp(`^latchkey: warning: ${key.id} expires in 10 days .*rotate it`));
    s.clock.advance(11 * DAY);
    const expired = await run(['auth', 'whoami', '--token', secret, '--base-url', s.local]);
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /^latchkey: This token has expired\./);
  });

  it('token precedence: --token, then LATCHKEY_API_TOKEN, then the token file; server: --base-url, then LATCHKEY_URL', async () => {
    const [flag, env, file] = [await create('flag'), await create('env'), await create('file')];
    const dir = tempHome();
    mkdirSync(join(dir, 'latchkey'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'latchkey', 'cli.token'), `${file.secret}\n`, { mode: 0o600 });
    const x = { XDG_CONFIG_HOME: dir };

    assert.equal(await whoamiId(['--base-url', s.local], x), file.key.id);
    assert.equal(await whoamiId(['--base-url', s.local], { ...x, LATCHKEY_API_TOKEN: env.secret }), env.key.id);
    assert.equal(await whoamiId(['--token', flag.secret, '--base-url', s.local], { ...x, LATCHKEY_API_TOKEN: env.secret }), flag.key.id);

    assert.equal(await whoamiId([], { ...x, LATCHKEY_URL: s.local }), file.key.id, 'LATCHKEY_URL when no --base-url');
    assert.equal(await whoamiId(['--base-url', s.local], { ...x, LATCHKEY_URL: 'http://127.0.0.1:9' }), file.key.id, '--base-url wins');
    const wrong = await run(['auth', 'whoami'], { ...x, LATCHKEY_URL: 'http://127.0.0.1:9' });
    assert.deepEqual([wrong.code, wrong.stderr], [1, 'latchkey: cannot reach the Latchkey server at http://127.0.0.1:9 (is "latchkey serve" running?)\n']);
  });

  it('refuses a token file other users can read, in one line that says how to fix it', async () => {
    const dir = tempHome();
    mkdirSync(join(dir, 'latchkey'));
    const path = join(dir, 'latchkey', 'cli.token');
    writeFileSync(path, `${(await create('loose')).secret}\n`);
    chmodSync(path, 0o644);
    const r = await run(['devices', 'list', '--base-url', s.local], { XDG_CONFIG_HOME: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `latchkey: refusing to use ${path}: other users can read it (mode 0644); fix it with: chmod 600 ${path}\n`);
  });

  it('logout: revokes on the server and removes the file; a dead token is forgotten; an unreachable server keeps the file', async () => {
    const dir = tempHome();
    mkdirSync(join(dir, 'latchkey'), { mode: 0o700 });
    const path = join(dir, 'latchkey', 'cli.token');
    const live = await create('to log out');
    writeFileSync(path, `${live.secret}\n`, { mode: 0o600 });

    const offline = await run(['auth', 'logout', '--base-url', 'http://127.0.0.1:9'], { XDG_CONFIG_HOME: dir });
    assert.equal(offline.code, 1);
    assert.ok(existsSync(path), 'an unreachable server revokes nothing, so the file stays');

    const out = await run(['auth', 'logout', '--base-url', s.local], { XDG_CONFIG_HOME: dir });
    assert.equal(out.stdout, `revoked token ${live.key.id} on the server; removed ${path}\n`);
    assert.equal(existsSync(path), false);
    const gone = await run(['auth', 'whoami', '--token', live.secret, '--base-url', s.local]);
    assert.equal(gone.code, 1);

    writeFileSync(path, `${live.secret}\n`, { mode: 0o600 });
    const again = await run(['auth', 'logout', '--base-url', s.local], { XDG_CONFIG_HOME: dir });
    assert.equal(again.code, 0);
    assert.equal(again.stdout, `the server already refuses this token (token_revoked); removed ${path}\n`);

    const none = await run(['auth', 'logout', '--base-url', s.local], { XDG_CONFIG_HOME: dir });
    assert.deepEqual([none.code, none.stderr], [1, `latchkey: not signed in: no --token, no LATCHKEY_API_TOKEN and no ${path}\n`]);
  });

  it('bad input: one line and a non-zero exit each time', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['auth', 'whoami', '--token', 'hunter2', '--base-url', s.local], /^latchkey: the token from --token is not a Latchkey token/],
      [['keys', 'create', '--name', 'x', '--scopes', 'root', '--base-url', s.local], /^latchkey: Unknown scope "root"\./],
      [['keys', 'create', '--name', 'x', '--expires', '2y', '--base-url', s.local], /^latchkey: expires_in: 2y is outside the allowed range/],
      [['keys', 'create', '--base-url', s.local], /required option '--name <name>'/],
      [['keys', 'rotate', 'key_000000000000', '--base-url', s.local], /^latchkey: No API key or token has id key_000000000000\./],
      [['keys', 'rotate', 'key_000000000000', '--grace', 'later', '--base-url', s.local], /^latchkey: grace: "later" is not a duration/],
      [['keys', 'revoke', 'nope', '--base-url', s.local], /^latchkey: No API key or token has id nope\./],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr.split('\n')[0]!, re, args.join(' '));
      assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
    }
  });
});
