import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tunnelFetch } from '../helpers/mcpClient.ts';
import { makeTlsFixture } from '../helpers/tunnel.ts';
import { startMcpServer } from '../helpers/startMcpServer.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

const DESKTOP = 'agents-test-desktop-secret';
const S256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * The OAuth server's refusals, against a running server on the computer's listener (apps there
 * are at http://127.0.0.1:PORT, whose consent is Latchkey's own origin, http://localhost:PORT):
 * registration with redirect URIs that would leak the code, PKCE plain, a wrong resource, a
 * mismatched redirect, a code used twice, an oversized JSON-RPC body, revocation, and a
 * client allowed on the computer with no code to type.
 */
describe('agents: the OAuth server refuses what it must', () => {
  let server: TestServer;
  let mcp: Awaited<ReturnType<typeof startMcpServer>>;
  let issuer: string;
  const redirect = 'http://127.0.0.1:49152/callback';

  before(async () => {
    mcp = await startMcpServer();
    // The loopback bypass off, so a request on the computer's listener is judged by what it carries; the computer is the desktop app.
    server = await startServer({ desktopSecret: DESKTOP, config: { loopback_auth_bypass: false, apps: [{ name: 'tools', upstream: mcp.url, path: '/mcp', mcp: { max_body: 4096 } }, { name: 'web', upstream: mcp.url, path: '/web' }] } });
    issuer = `http://127.0.0.1:${server.localPort}`;
  });
  after(async () => {
    await server?.close();
    await mcp?.close();
  });

  /** The person at the computer (the desktop app's secret), as the Devices page or the CLI asks. */
  const computer = (method: string, path: string, body?: unknown) => server.api(method, path, body, { 'x-latchkey-desktop': DESKTOP });
  const register = (metadata: Record<string, unknown>) => fetch(`${issuer}/.latchkey/oauth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Test agent', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', ...metadata }),
  });
  const authorizeUrl = (params: Record<string, string>) => `${issuer}/.latchkey/oauth/authorize?${new URLSearchParams({ response_type: 'code', scope: 'mcp', state: 's1', ...params })}`;

  /** Registers a client, asks for a code, allows it on the computer, and follows the browser back: the code. */
  async function codeFor(clientId: string, verifier: string): Promise<string> {
    const asked = await fetch(authorizeUrl({ client_id: clientId, redirect_uri: redirect, code_challenge: S256(verifier), code_challenge_method: 'S256', resource: `${issuer}/mcp` }), { redirect: 'manual' });
    assert.equal(asked.status, 303, await asked.text());
    const consent = new URL(asked.headers.get('location')!);
    assert.equal(consent.origin, server.local, 'consent is on Latchkey\'s own origin, not the app\'s');
    const cookies = asked.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    assert.ok(asked.headers.getSetCookie().every((c) => /^lk_oauth_/.test(c) && /path=\/\.latchkey\/oauth/i.test(c)), 'the OAuth cookies are Latchkey\'s, under /.latchkey/oauth only');
    const uid = consent.searchParams.get('uid')!;
    const allowed = await computer('POST', `/.latchkey/api/agents/requests/${uid}/allow`);
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    assert.equal(allowed.body.waiting, null, 'allowed on the computer itself: no code to type');
    const back = await fetch(allowed.body.return_to, { headers: { cookie: cookies }, redirect: 'manual' });
    const landed = new URL(back.headers.get('location')!);
    assert.equal(`${landed.origin}${landed.pathname}`, redirect);
    return landed.searchParams.get('code')!;
  }
  const exchange = (clientId: string, code: string, verifier: string, extra: Record<string, string> = {}) => fetch(`${issuer}/.latchkey/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirect, resource: `${issuer}/mcp`, ...extra }).toString(),
  });

  it('registration: foreign schemes, plain http to another host, fragments and client secrets are refused, naming why; nothing is stored', async () => {
    for (const [uris, why] of [
      [['http://evil.example/cb'], /plain http:\/\/ to evil\.example/],
      [['javascript:alert(1)'], /javascript:/],
      [['myapp:/cb'], /reverse domain name/],
      [['https://agent.example/cb#x'], /fragment/],
    ] as const) {
      const res = await register({ redirect_uris: uris });
      assert.equal(res.status, 400, String(uris));
      const body = await res.json() as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_redirect_uri');
      assert.match(body.error_description, why);
    }
    const secret = await register({ redirect_uris: [redirect], token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(secret.status, 400);
    assert.match(((await secret.json()) as { error_description: string }).error_description, /public clients/);
    assert.equal((await computer('GET', '/.latchkey/api/clients')).body.clients.length, 0, 'no refused client was stored');
    // What a native agent may use: a loopback address (any port at the time of use) or a scheme named after its domain.
    const native = await register({ application_type: 'native', redirect_uris: ['http://127.0.0.1/callback', 'com.example.agent:/oauth/cb'] });
    assert.equal(native.status, 201, await native.clone().text());
    const web = await register({ redirect_uris: ['https://agent.example/cb'] });
    assert.equal(web.status, 201);
    for (const c of (await computer('GET', '/.latchkey/api/clients')).body.clients) assert.equal((await computer('DELETE', `/.latchkey/api/clients/${c.id}`)).status, 200);
  });

  it('authorization: PKCE plain, a wrong resource and a mismatched redirect are refused; a code works once; a token is bound to its app', async () => {
    const made = await register({ redirect_uris: [redirect], application_type: 'native' });
    assert.equal(made.status, 201);
    const clientId = ((await made.json()) as { client_id: string }).client_id;
    const verifier = randomBytes(32).toString('base64url');

    const plain = await fetch(authorizeUrl({ client_id: clientId, redirect_uri: redirect, code_challenge: verifier, code_challenge_method: 'plain', resource: `${issuer}/mcp` }), { redirect: 'manual' });
    assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request', 'PKCE plain');
    const wrongResource = await fetch(authorizeUrl({ client_id: clientId, redirect_uri: redirect, code_challenge: S256(verifier), code_challenge_method: 'S256', resource: `${issuer}/web` }), { redirect: 'manual' });
    assert.equal(new URL(wrongResource.headers.get('location')!).searchParams.get('error'), 'invalid_target', 'an app that is not an MCP server');
    const mismatch = await fetch(authorizeUrl({ client_id: clientId, redirect_uri: 'http://127.0.0.1:49152/other', code_challenge: S256(verifier), code_challenge_method: 'S256', resource: `${issuer}/mcp` }), { redirect: 'manual' });
    assert.equal(mismatch.status, 400, 'a redirect that was not registered is never followed');
    assert.equal(((await mismatch.json()) as { error: string }).error, 'invalid_redirect_uri');

    const code = await codeFor(clientId, verifier);
    assert.equal((await exchange(clientId, code, 'x'.repeat(43))).status, 400, 'a wrong verifier');
    const code2 = await codeFor(clientId, verifier);
    const first = await exchange(clientId, code2, verifier);
    assert.equal(first.status, 200, await first.clone().text());
    const tokens = await first.json() as { access_token: string; refresh_token: string; expires_in: number };
    assert.ok(tokens.expires_in <= 3600);
    const again = await exchange(clientId, code2, verifier);
    assert.equal(again.status, 400, 'a code used twice');
    assert.equal(((await again.json()) as { error: string }).error, 'invalid_grant');
    const init = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}';
    const mcpPost = (path: string, body: string, token: string) => fetch(`${issuer}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body,
    });
    // RFC 6749 §4.1.2: a code used twice may have been stolen, so what it was exchanged for is revoked.
    assert.equal((await mcpPost('/mcp', init, tokens.access_token)).status, 401, 'the replayed code\'s token is revoked');
    const fresh = await exchange(clientId, await codeFor(clientId, verifier), verifier);
    assert.equal(fresh.status, 200, await fresh.clone().text());
    Object.assign(tokens, await fresh.json());

    // The token reaches its app, and nothing else; the app never sees it.
    const call = (path: string, body: string) => mcpPost(path, body, tokens.access_token);
    const ok = await call('/mcp', init);
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(mcp.seen.at(-1)!.headers.authorization, undefined, 'the agent\'s token never reaches the app');
    assert.match(String(mcp.seen.at(-1)!.headers['latchkey-assertion']), /^ey/, 'the app is told who calls, signed');
    const web = await call('/web', init);
    assert.notEqual(web.status, 200, 'another app');
    const own = await fetch(`${issuer.replace('127.0.0.1', 'localhost')}/.latchkey/api/devices`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(own.status, 401, 'Latchkey\'s own API');
    assert.equal(((await own.json()) as { reason: string }).reason, 'agent_token');

    // An oversized JSON-RPC body is refused before the app sees any of it.
    const seen = mcp.seen.length;
    const big = await call('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(5000) } } }));
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: string }).error, 'mcp_body_too_large');
    assert.equal(mcp.seen.length, seen);

    // Revoked: its next request is refused, and the list no longer holds it.
    const listed = (await computer('GET', '/.latchkey/api/clients')).body.clients;
    assert.deepEqual(listed.map((c: { id: string; allowed: boolean; granted_by: string[] }) => [c.id, c.allowed, c.granted_by]), [[clientId, true, ['computer']]]);
    assert.equal((await computer('DELETE', `/.latchkey/api/clients/${clientId}`)).status, 200);
    const refused = await call('/mcp', init);
    assert.equal(refused.status, 401);
    assert.match(String(refused.headers.get('www-authenticate')), /error="invalid_token"/);
    assert.equal((await computer('GET', '/.latchkey/api/clients')).body.clients.length, 0);
    assert.equal((await computer('DELETE', `/.latchkey/api/clients/${clientId}`)).status, 404, 'revoking twice names the missing client');
  });
});

describe('agents: a client known by its metadata document (CIMD)', () => {
  let server: TestServer;
  let mcp: Awaited<ReturnType<typeof startMcpServer>>;
  let docs: Awaited<ReturnType<typeof startDocServer>>;
  let issuer: string;
  const redirect = 'http://127.0.0.1:49153/callback';

  /** An agent's own https site (agent.example.test on loopback, the test certificate), serving metadata documents. */
  async function startDocServer() {
    const tls = makeTlsFixture();
    const served: string[] = [];
    const documents = new Map<string, Record<string, unknown>>();
    const https = createHttpsServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, (req, res) => {
      served.push(req.url ?? '');
      const doc = documents.get(req.url ?? '');
      if (!doc) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify(doc));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const port = (https.address() as AddressInfo).port;
    return { tls, served, documents, origin: `https://agent.example.test:${port}`, port, close: () => new Promise<void>((r) => https.close(() => r())) };
  }

  before(async () => {
    mcp = await startMcpServer();
    docs = await startDocServer();
    server = await startServer({ desktopSecret: DESKTOP, agentFetch: tunnelFetch(docs.tls.cert), config: { loopback_auth_bypass: false, apps: [{ name: 'tools', upstream: mcp.url, path: '/mcp', mcp: true }] } });
    issuer = `http://127.0.0.1:${server.localPort}`;
  });
  after(async () => {
    await server?.close();
    await mcp?.close();
    await docs?.close();
  });
  const computer = (method: string, path: string, body?: unknown) => server.api(method, path, body, { 'x-latchkey-desktop': DESKTOP });
  const authorize = (clientId: string, verifier: string) => fetch(`${issuer}/.latchkey/oauth/authorize?${new URLSearchParams({
    response_type: 'code', scope: 'mcp', state: 's', client_id: clientId, redirect_uri: redirect, code_challenge: S256(verifier), code_challenge_method: 'S256', resource: `${issuer}/mcp`,
  })}`, { redirect: 'manual' });

  it('the metadata says the server takes URL client ids; a client allowed by its document gets a token for its app, is listed by its URL and name, and can be revoked', async () => {
    const meta = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
    assert.equal(meta.client_id_metadata_document_supported, true);
    const clientId = `${docs.origin}/oauth/client.json`;
    docs.documents.set('/oauth/client.json', { client_id: clientId, client_name: 'Doc agent', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' });
    const verifier = randomBytes(32).toString('base64url');
    const asked = await authorize(clientId, verifier);
    assert.equal(asked.status, 303, await asked.text());
    assert.ok(docs.served.includes('/oauth/client.json'), 'the document was fetched');
    const uid = new URL(asked.headers.get('location')!).searchParams.get('uid')!;
    const shown = await computer('GET', `/.latchkey/api/agents/requests/${uid}`);
    assert.deepEqual([shown.body.client_id, shown.body.client_name, shown.body.redirect_host], [clientId, 'Doc agent', '127.0.0.1:49153']);
    const allowed = await computer('POST', `/.latchkey/api/agents/requests/${uid}/allow`);
    const cookies = asked.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const back = await fetch(allowed.body.return_to, { headers: { cookie: cookies }, redirect: 'manual' });
    const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
    const token = await fetch(`${issuer}/.latchkey/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirect, resource: `${issuer}/mcp` }).toString(),
    });
    assert.equal(token.status, 200, await token.clone().text());
    const { access_token: access } = await token.json() as { access_token: string };
    const call = () => fetch(`${issuer}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' });
    assert.equal((await call()).status, 200);
    const listed = (await computer('GET', '/.latchkey/api/clients')).body.clients;
    assert.deepEqual(listed.map((c: { id: string; name: string; allowed: boolean }) => [c.id, c.name, c.allowed]), [[clientId, 'Doc agent', true]]);
    assert.equal((await computer('DELETE', `/.latchkey/api/clients/${encodeURIComponent(clientId)}`)).status, 200);
    assert.equal((await call()).status, 401, 'revoked: its token is refused on its next use');
  });

  it('a document whose redirect URI would leak the code is refused; without the test\'s fetch, a client id on a loopback address is never fetched (SSRF)', async () => {
    const bad = `${docs.origin}/oauth/bad.json`;
    docs.documents.set('/oauth/bad.json', { client_id: bad, client_name: 'Bad agent', redirect_uris: ['http://evil.example/cb'], token_endpoint_auth_method: 'none' });
    const refused = await authorize(bad, randomBytes(32).toString('base64url'));
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(await refused.json()), /plain http:\/\/ to evil\.example/);

    // The production fetch (oidc-provider's, special-use addresses refused at connect time).
    const plain = await startServer({ config: { apps: [{ name: 'tools', upstream: mcp.url, path: '/mcp', mcp: true }] } });
    try {
      const before = docs.served.length;
      const ssrf = await fetch(`http://127.0.0.1:${plain.localPort}/.latchkey/oauth/authorize?${new URLSearchParams({
        response_type: 'code', scope: 'mcp', client_id: `https://127.0.0.1:${docs.port}/oauth/client.json`, redirect_uri: redirect,
        code_challenge: S256('x'.repeat(43)), code_challenge_method: 'S256', resource: `http://127.0.0.1:${plain.localPort}/mcp`,
      })}`, { redirect: 'manual' });
      assert.equal(ssrf.status, 400);
      assert.equal(((await ssrf.json()) as { error: string }).error, 'invalid_client');
      assert.equal(docs.served.length, before, 'nothing on loopback was asked');
    } finally {
      await plain.close();
    }
  });
});
