import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConfig } from '../../src-server/config/loadConfig.ts';
import { parseReturnPath, safeReturnPath } from '../../src-server/handoff/authOriginOf.ts';
import { createHandoffService } from '../../src-server/handoff/createHandoffService.ts';
import { createSessionService } from '../../src-server/sessions/createSessionService.ts';
import { openSigningKeys } from '../../src-server/sessions/openSigningKeys.ts';
import { createManualClock } from '../../src-server/time/Clock.ts';
import { startServer, tempHome } from '../helpers/startServer.ts';

const BOX = 'https://box.alice.ts.net';
const QUICK = 'https://calm-river.trycloudflare.com';

describe('auth_origin and the handoff token', () => {
  it('auth_origin must be "localhost" or one of public_origins, and is named when wrong', () => {
    assert.equal(checkConfig({ public_origins: [BOX], auth_origin: `${BOX}/` }).auth_origin, BOX);
    assert.equal(checkConfig({ auth_origin: 'localhost' }).auth_origin, 'localhost');
    assert.throws(() => checkConfig({ public_origins: [BOX], auth_origin: QUICK }), /"auth_origin" must be "localhost" or one of public_origins/);
    assert.throws(() => checkConfig({ auth_origin: 'box' }), /"auth_origin"/);
  });

  it('the auth origin cannot be removed from the allowlist while it is the auth origin', async () => {
    const s = await startServer({ config: { public_origins: [BOX, QUICK], auth_origin: BOX } });
    try {
      const r = await s.api('POST', '/.latchkey/api/origins/remove', { origin: BOX });
      assert.deepEqual([r.status, r.body.error], [409, 'auth_origin_in_use']);
      assert.equal((await s.api('POST', '/.latchkey/api/origins/remove', { origin: QUICK })).status, 200);
    } finally {
      await s.close();
    }
  });

  it('verifies audience, auth origin, tunnel session, expiry and single use; sessions and handoff tokens are not interchangeable', async () => {
    const clock = createManualClock();
    const keys = await openSigningKeys(tempHome(), clock);
    const handoff = createHandoffService(keys, clock);
    const sessions = createSessionService(keys, clock);
    const expected = { target: QUICK, tunnelSession: 'ts1', authOrigin: BOX };
    const mint = async () => (await handoff.mint({ deviceId: 'dev_1', authOrigin: BOX, target: QUICK, tunnelSession: 'ts1' })).token;

    const token = await mint();
    assert.deepEqual(await handoff.verify(token, expected), { ok: true, deviceId: 'dev_1', jti: JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti });
    assert.equal((await handoff.verify(token, expected) as any).reason, 'handoff_reused');
    assert.equal((await handoff.verify(await mint(), { ...expected, target: BOX }) as any).reason, 'handoff_wrong_origin');
    assert.equal((await handoff.verify(await mint(), { ...expected, tunnelSession: 'ts2' }) as any).reason, 'handoff_wrong_tunnel_session');
    assert.equal((await handoff.verify(await mint(), { ...expected, authOrigin: 'http://localhost:8787' }) as any).reason, 'handoff_wrong_issuer');
    const late = await mint();
    clock.advance(121_000);
    assert.equal((await handoff.verify(late, expected) as any).reason, 'handoff_expired');

    const session = await sessions.issue('dev_1', QUICK);
    assert.equal((await handoff.verify(session, expected) as any).reason, 'handoff_invalid', 'a session cookie is not a handoff token');
    assert.equal((await sessions.check(await mint(), QUICK) as any).reason, 'session_invalid', 'a handoff token is not a session');
  });

  it('return paths stay on this origin', () => {
    assert.equal(safeReturnPath('/.latchkey/settings/privacy?x=1'), '/.latchkey/settings/privacy?x=1');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '', undefined, '/a b', `/${'x'.repeat(600)}`,
      '/x\u0001', '/x\u007f', '/x\u202e', '/x\ud800']) {
      assert.equal(safeReturnPath(bad), '/', String(bad));
      assert.equal(parseReturnPath(bad), null, String(bad));
    }
    // Second review, finding 2: what a browser would read as another site, once it drops tab, CR and LF or decodes once.
    for (const bad of ['/\t/fresh.example.test/phish', '/\n/evil.example', '/\r/evil.example', '/\\evil.example', '\\\\evil.example', '/%2F/evil.example',
      '/%2f%2fevil.example', '/%5C/evil.example', '/%5cevil.example', '//evil.example/x', 'https://evil.example/', 'http:/evil.example', ' /x', '/x\t']) {
      assert.equal(parseReturnPath(bad), null, JSON.stringify(bad));
    }
    for (const good of ['/', '/jupyter/tree?x=1#top', '/a/%2F/b', '/.latchkey/auth/handoff?token=x']) assert.equal(parseReturnPath(good), good);
    // Review finding 8: what a header cannot carry is percent-encoded, never passed through.
    assert.equal(parseReturnPath('/\u0100'), '/%C4%80');
    assert.equal(parseReturnPath('/caf\u00e9?q=\u65e5'), '/caf%C3%A9?q=%E6%97%A5');
  });
});
