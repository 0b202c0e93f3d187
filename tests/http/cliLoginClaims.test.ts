import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

/** Second review, finding 11 (RFC 8628 §5.4, remote phishing): the page states where a login came from; the host name is a claim. */
describe('a CLI login started through the tunnel says so, and its host name is only a claim', () => {
  let s: TestServer;
  before(async () => { s = await startServer({ config: { public_origins: ['https://box.alice.ts.net'] } }); });
  after(() => s.close());

  const start = (port: number, host: string) => rawRequest(port, {
    method: 'POST', path: '/.latchkey/auth/device/code', headers: { host, 'content-type': 'application/json' },
    body: JSON.stringify({ client_host: 'MacBook-Pro (this computer)', scopes: ['fallbacks:write'] }),
  });
  const seen = (port: number, host: string, userCode: string) =>
    rawRequest(port, { path: `/.latchkey/auth/cli/request?user_code=${userCode}`, headers: { host } });

  it('through the tunnel: via_tunnel with the stranger\'s address; on the computer: not', async () => {
    const remote = await start(s.remotePort, 'box.alice.ts.net');
    assert.equal(remote.status, 200, remote.text);
    const page = (await seen(s.localPort, `localhost:${s.localPort}`, remote.body.user_code)).body.login;
    assert.deepEqual([page.via_tunnel, page.client_host, page.scopes], [true, 'MacBook-Pro (this computer)', ['fallbacks:write']]);
    const local = await start(s.localPort, `localhost:${s.localPort}`);
    assert.equal((await seen(s.localPort, `localhost:${s.localPort}`, local.body.user_code)).body.login.via_tunnel, false);
  });
});
