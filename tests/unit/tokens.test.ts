import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLoginRequests, normaliseUserCode, USER_CODE_ALPHABET } from '../../src-server/cli-login/createLoginRequests.ts';
import { resolveBaseUrl } from '../../src-server/client/createLatchkeyClient.ts';
import { readTokenFile, resolveToken, tokenFilePath, writeTokenFile } from '../../src-server/client/tokenFile.ts';
import { createManualClock } from '../../src-server/time/Clock.ts';
import { parseDuration } from '../../src-server/time/parseDuration.ts';
import { missingScope, parseScopes, scopesCover } from '../../src-server/access/scopes.ts';
import { hashToken, mintToken, newTokenId, tokenIdOf, tokenMatches } from '../../src-server/tokens/tokenFormat.ts';
import { tempHome } from '../helpers/startServer.ts';

const need = (feature: any, write: boolean, path = '/.latchkey/api/devices') => ({ feature, write, path });

describe('scopes', () => {
  it('grants by feature and method, api:* cover every feature, and names the missing scope', () => {
    assert.equal(missingScope(['devices:read'], need('devices', false)), null);
    assert.equal(missingScope(['devices:read'], need('devices', true)), 'devices:write');
    assert.equal(missingScope(['devices:write'], need('devices', false)), null, ':write implies :read');
    assert.equal(missingScope(['devices:write'], need('keys', false, '/api/keys')), 'keys:read');
    assert.equal(missingScope(['api:read'], need('keys', false, '/api/keys')), null);
    assert.equal(missingScope(['api:read'], need('keys', true, '/api/keys')), 'keys:write');
    assert.equal(missingScope(['api:write'], need('origins', true, '/api/origins')), null);
    assert.equal(missingScope(['devices:write'], need('api', false, '/api/other')), 'api:read', 'undeclared routes need api:*');
    assert.equal(missingScope(['keys:read'], need(null, false, '/api/whoami')), null, 'whoami answers any token');
  });

  it('path: scopes narrow on whole segments and never grant alone', () => {
    const s = ['api:read', 'path:/api/devices'];
    assert.equal(missingScope(s, need('devices', false, '/api/devices')), null);
    assert.equal(missingScope(s, need('devices', false, '/api/devices/pending')), null);
    assert.equal(missingScope(s, need('devices', false, '/api/devicesX')), 'path:/api/devicesX');
    assert.equal(missingScope(s, need('keys', false, '/api/keys')), 'path:/api/keys');
    assert.equal(missingScope(s, need(null, false, '/api/whoami')), null);
    assert.throws(() => parseScopes(['path:/api/devices']), { code: 'scope_grants_nothing' });
    assert.throws(() => parseScopes(['path:/etc']), { code: 'invalid_path_scope' });
    assert.throws(() => parseScopes(['admin']), (e: any) => e.code === 'unknown_scope' && /"admin"/.test(e.message));
    assert.deepEqual(parseScopes([' devices:read', 'api:read', 'devices:read']), ['api:read', 'devices:read']);
  });

  it('a token cannot mint a broader one', () => {
    assert.equal(scopesCover('all', ['api:write']), null);
    assert.equal(scopesCover(['api:write'], ['keys:write', 'path:/api/keys']), null);
    assert.equal(scopesCover(['keys:write'], ['api:write']), 'api:write');
    assert.equal(scopesCover(['keys:write'], ['keys:read']), null);
    assert.equal(scopesCover(['api:read'], ['devices:write']), 'devices:write');
    assert.equal(scopesCover(['api:write', 'path:/api/devices'], ['api:read']), 'path:/api/devices', 'a narrowed caller mints narrowed keys only');
    assert.equal(scopesCover(['api:write', 'path:/api/devices'], ['api:read', 'path:/api/devices/pending']), null);
    assert.equal(scopesCover(['api:write', 'path:/api/devices'], ['api:read', 'path:/api/keys']), 'path:/api/keys');
  });
});

describe('token format', () => {
  it('is prefixed, names its record, is stored as SHA-256 and compared in constant time', () => {
    const id = newTokenId('api_key');
    const { token, hash } = mintToken('api_key', id);
    assert.match(token, /^lk_sk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.match(mintToken('cli', newTokenId('cli')).token, /^lk_at_/);
    assert.equal(tokenIdOf(token), id);
    assert.equal(hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(hashToken(token), hash);
    assert.ok(tokenMatches(token, hash));
    assert.ok(!tokenMatches(`${token.slice(0, -1)}A` === token ? `${token.slice(0, -1)}B` : `${token.slice(0, -1)}A`, hash));
    assert.ok(!tokenMatches(token, null));
    for (const bad of ['', 'lk_sk_', 'lk_xx_0123456789ab_' + 'a'.repeat(43), `${token}x`, token.toUpperCase()]) assert.equal(tokenIdOf(bad), null, bad);
  });
});

describe('CLI login requests', () => {
  let clients = 0;
  const start = (logins: ReturnType<typeof createLoginRequests>) =>
    logins.startDevice({ client_host: 'laptop', client_ip: `127.0.0.${++clients % 250}`, listener: 'local', origin: 'http://localhost:1', scopes: ['api:write'] })!;

  it('user codes use only the RFC 8628 consonant alphabet and are typed forgivingly', () => {
    const logins = createLoginRequests(createManualClock());
    for (let i = 0; i < 40; i++) {
      const { request } = start(logins);
      assert.match(request.user_code, new RegExp(`^[${USER_CODE_ALPHABET}]{8}$`));
      const typed = `${request.user_code.slice(0, 4).toLowerCase()} - ${request.user_code.slice(4)}`;
      assert.equal(logins.getByUserCode(typed), request);
    }
    assert.equal(normaliseUserCode('bcdf-ghjk'), 'BCDFGHJK');
  });

  it('device polling: pending, slow_down adds 5 s, access_denied, expired_token, and a code works once', () => {
    const clock = createManualClock();
    const logins = createLoginRequests(clock, { intervalSeconds: 5 });
    const a = start(logins);
    assert.equal((logins.poll(a.deviceCode) as any).error, 'authorization_pending');
    clock.advance(1000);
    assert.deepEqual([(logins.poll(a.deviceCode) as any).error, (logins.poll(a.deviceCode) as any).interval], ['slow_down', 15]);
    clock.advance(15_000);
    logins.approve(a.request, 'dev_1');
    assert.equal(logins.poll(a.deviceCode).ok, true);
    clock.advance(15_000);
    assert.equal((logins.poll(a.deviceCode) as any).error, 'invalid_grant');

    const b = start(logins);
    logins.deny(b.request);
    assert.equal((logins.poll(b.deviceCode) as any).error, 'access_denied');
    const c = start(logins);
    clock.advance(10 * 60_000 + 1);
    assert.equal((logins.poll(c.deviceCode) as any).error, 'expired_token');
    assert.equal((logins.poll('nonsense') as any).error, 'invalid_grant');
  });

  it('loopback codes: PKCE S256, same redirect_uri, 60 s life, single use; a replay is reported with the login it came from', () => {
    const clock = createManualClock();
    const logins = createLoginRequests(clock);
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const begin = () => {
      const r = logins.startLoopback({ client_host: 'h', client_ip: '127.0.0.1', listener: 'local', origin: 'o', scopes: ['api:read'], redirect_uri: 'http://127.0.0.1:5/callback', state: 'statestate', code_challenge: challenge })!;
      return { r, code: logins.approve(r, 'dev_1')! };
    };
    const one = begin();
    assert.match((logins.exchange(one.code, 'w'.repeat(50), 'http://127.0.0.1:5/callback') as any).message, /PKCE/);
    assert.match((logins.exchange(one.code, verifier, 'http://127.0.0.1:5/callback') as any).message, /already used/, 'a failed exchange burns the code');

    const two = begin();
    assert.match((logins.exchange(two.code, verifier, 'http://127.0.0.1:6/callback') as any).message, /redirect_uri/);
    const three = begin();
    clock.advance(61_000);
    assert.match((logins.exchange(three.code, verifier, 'http://127.0.0.1:5/callback') as any).message, /expired/);

    const four = begin();
    const ok = logins.exchange(four.code, verifier, 'http://127.0.0.1:5/callback');
    assert.ok(ok.ok);
    logins.markIssued(four.r, 'cli_x');
    const replay = logins.exchange(four.code, verifier, 'http://127.0.0.1:5/callback');
    assert.equal(!replay.ok && replay.replayOf?.token_id, 'cli_x');
  });
});

describe('CLI token and server resolution', () => {
  it('token: --token, then LATCHKEY_API_TOKEN, then the token file under XDG_CONFIG_HOME', async () => {
    const xdg = tempHome();
    const env = { XDG_CONFIG_HOME: xdg } as NodeJS.ProcessEnv;
    const path = tokenFilePath(env);
    assert.equal(path, join(xdg, 'latchkey', 'cli.token'));
    assert.equal(resolveToken(undefined, env), null);
    const [a, b, c] = ['cli', 'api_key', 'api_key'].map((k) => mintToken(k as any, newTokenId(k as any)).token);
    await writeTokenFile(path, a!);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(xdg, 'latchkey')).mode & 0o777, 0o700);
    assert.deepEqual(resolveToken(undefined, env), { token: a, source: 'file', path });
    assert.deepEqual(resolveToken(undefined, { ...env, LATCHKEY_API_TOKEN: b }), { token: b, source: 'env' });
    assert.deepEqual(resolveToken(c, { ...env, LATCHKEY_API_TOKEN: b }), { token: c, source: 'flag' });
    assert.throws(() => resolveToken('hunter2', env), { code: 'token_invalid' });
    assert.match(tokenFilePath({ HOME: '/home/x' } as any), /\.config\/latchkey\/cli\.token$/);
  });

  it('refuses a token file other users can read, and says how to fix it', () => {
    const dir = join(tempHome(), 'latchkey');
    mkdirSync(dir);
    const path = join(dir, 'cli.token');
    writeFileSync(path, mintToken('cli', newTokenId('cli')).token);
    chmodSync(path, 0o644);
    assert.throws(() => readTokenFile(path), (e: any) => e.code === 'token_file_insecure' && e.message.includes(`chmod 600 ${path}`) && e.message.includes('0644'));
    chmodSync(path, 0o600);
    assert.ok(readTokenFile(path));
    writeFileSync(path, 'not a token');
    assert.throws(() => readTokenFile(path), { code: 'token_file_invalid' });
  });

  it('server: --base-url, then LATCHKEY_URL, then the local listener', () => {
    assert.equal(resolveBaseUrl('https://box.alice.ts.net/x', { LATCHKEY_URL: 'http://a:1' }), 'https://box.alice.ts.net');
    assert.equal(resolveBaseUrl(undefined, { LATCHKEY_URL: 'http://a:1' }), 'http://a:1');
    assert.equal(resolveBaseUrl(undefined, {}), 'http://localhost:8787');
    assert.throws(() => resolveBaseUrl('ftp://x', {}), { code: 'invalid_base_url' });
  });
});

describe('parseDuration', () => {
  it('reads human durations and names the field and range when refusing', () => {
    const b = { field: 'expires_in', min: 3600_000, max: 365.25 * 86_400_000 };
    assert.equal(parseDuration('90d', b), 90 * 86_400_000);
    assert.equal(parseDuration('1y', b), 365.25 * 86_400_000);
    assert.throws(() => parseDuration('soon', b), (e: any) => e.code === 'invalid_duration' && /expires_in/.test(e.message));
    assert.throws(() => parseDuration('2y', b), (e: any) => e.code === 'duration_out_of_range' && /1 hour/.test(e.message));
    assert.throws(() => parseDuration('10m', b), { code: 'duration_out_of_range' });
  });
});
