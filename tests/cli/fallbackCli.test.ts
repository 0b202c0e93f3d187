import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src-server/fallbacks/totp.ts';
import { startServer, tempHome, type TestServer } from '../helpers/startServer.ts';

/** `latchkey …` with its standard input given (or closed), as a script or a pipe would run it. */
function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/latchkey.mjs', ...args], { env: { ...process.env, LATCHKEY_API_TOKEN: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

describe('latchkey fallback … on the computer', () => {
  let s: TestServer;
  let base: string[];
  before(async () => {
    s = await startServer({ config: { public_origins: ['https://box.alice.ts.net'] } });
    base = ['--base-url', s.local];
  });
  after(() => s.close());

  it('status shows every method off at first', async () => {
    const r = await run(['fallback', 'status', ...base]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backup codes\s+off\s+latchkey fallback backup-codes\nauthenticator\s+off\s+latchkey fallback totp enable\npassword\s+off\s+latchkey fallback password set\nemail link\s+off\s+needs "smtp" in config\.json\n$/);
  });

  it('backup-codes prints 10 codes once and can save them to a new 0600 file; an existing file is refused before any code is made', async () => {
    const dir = tempHome();
    const file = join(dir, 'codes.txt');
    const r = await run(['fallback', 'backup-codes', '--save', file, ...base]);
    assert.equal(r.code, 0, r.stderr);
    const codes = [...r.stdout.matchAll(/^\s*\d+\. ([0-9a-z]{5}-[0-9a-z]{5})$/gm)].map((m) => m[1]!);
    assert.equal(codes.length, 10);
    assert.match(r.stdout, /not shown again/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').slice(2), codes);

    const before = readFileSync(join(s.home, 'fallbacks.json'), 'utf8');
    const clash = await run(['fallback', 'backup-codes', '--save', file, ...base]);
    assert.deepEqual([clash.code, clash.stdout], [1, '']);
    assert.equal(clash.stderr, `latchkey: ${file} already exists; choose a new file name\n`);
    assert.equal(readFileSync(join(s.home, 'fallbacks.json'), 'utf8'), before, 'the old codes still stand');

    const json = await run(['fallback', 'backup-codes', '--json', ...base]);
    assert.equal(JSON.parse(json.stdout).codes.length, 10);
    const status = await run(['fallback', 'status', '--json', ...base]);
    assert.deepEqual([JSON.parse(status.stdout).backup_codes.enabled, JSON.parse(status.stdout).backup_codes.left], [true, 10]);
  });

  it('totp enable shows the URI, key and QR; it is on only after confirm accepts a current code', async () => {
    const human = await run(['fallback', 'totp', 'enable', ...base]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^otpauth:\/\/totp\/.*\nOr type this key into the app: [A-Z2-7]{32}\n/);
    assert.match(human.stdout, /[▀▄█]/, 'a QR code drawn in the terminal');
    assert.doesNotMatch(human.stdout, /\u001b/, 'piped (as here), with no colour codes');
    const json = await run(['fallback', 'totp', 'enable', '--json', ...base]);
    const { uri, secret } = JSON.parse(json.stdout);
    assert.ok(uri.includes(`secret=${secret}`), 'enabling again starts over with a new secret');

    const wrong = await run(['fallback', 'totp', 'confirm', '000000', ...base]);
    const right = await totpCode(secret, s.clock.now());
    assert.equal(wrong.code, right === '000000' ? 0 : 1);
    if (right !== '000000') assert.match(wrong.stderr, /^latchkey: That code does not match\..*\n$/);
    const ok = await run(['fallback', 'totp', 'confirm', right, ...base]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match((await run(['fallback', 'status', ...base])).stdout, /authenticator\s+on\s+never used/);
  });

  it('password set reads stdin with --stdin, refuses weak ones in one line, and will not read a password from a pipe without --stdin', async () => {
    const weak = await run(['fallback', 'password', 'set', '--stdin', ...base], 'tooshort\n');
    assert.deepEqual([weak.code, weak.stderr], [1, 'latchkey: The password must be at least 12 characters (it has 8).\n']);
    const common = await run(['fallback', 'password', 'set', '--stdin', ...base], 'password12345\n');
    assert.match(common.stderr, /^latchkey: That password is among the most common ones/);
    const noTty = await run(['fallback', 'password', 'set', ...base], 'violet staple orbit 1987\n');
    assert.deepEqual([noTty.code, noTty.stderr], [1, 'latchkey: no terminal to read the password from: pipe it in with --stdin\n']);
    assert.equal(JSON.parse(readFileSync(join(s.home, 'fallbacks.json'), 'utf8')).password, null, 'nothing stored by the refusals');
    const ok = await run(['fallback', 'password', 'set', '--stdin', ...base], 'violet staple orbit 1987\n');
    assert.deepEqual([ok.code, ok.stdout], [0, 'The password is set; signing in with it also asks for an authenticator code.\n']);
  });

  it('email set needs a mail server; disable turns a method off and forgets it; an unknown method is one line', async () => {
    const mail = await run(['fallback', 'email', 'set', 'alice@example.com', ...base]);
    assert.equal(mail.code, 1);
    assert.match(mail.stderr, /^latchkey: Email links need a mail server: add "smtp"/);
    const off = await run(['fallback', 'disable', 'password', ...base]);
    assert.deepEqual([off.code, off.stdout], [0, 'password is off.\n']);
    assert.equal(JSON.parse(readFileSync(join(s.home, 'fallbacks.json'), 'utf8')).password, null);
    const unknown = await run(['fallback', 'disable', 'sms', ...base]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^latchkey: command-argument value 'sms' is invalid for argument 'method'\. Allowed choices are backup-code, totp, password, email\. \(run with --help for usage\)\n$/);
    assert.match((await run(['fallback', 'status', ...base])).stdout, /^password\s+off\s+latchkey fallback password set$/m);
  });
});
