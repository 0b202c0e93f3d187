import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContext } from 'playwright-core';
import { phoneWaiting } from '../helpers/browser.ts';
import { loopbackOAuthProvider, mcpClient, tunnelFetch } from '../helpers/mcpClient.ts';
import { startBehindTunnel } from '../helpers/startBehindTunnel.ts';
import { startMcpServer } from '../helpers/startMcpServer.ts';
import { createTerminalNotices } from '../../src-server/notices/createTerminalNotices.ts';

type Text = { content: Array<{ type: string; text: string }>; isError?: boolean };
const textOf = (r: unknown) => (r as Text).content.map((c) => c.text).join('');

/**
 * Agents through the gate: a real MCP server from the official TypeScript SDK behind Latchkey as
 * two apps, reached through the nginx TLS front by the SDK's own client, first with a static key
 * (app:tools), then through the MCP authorization flow, whose consent is given in real Chromium
 * by the owner's phone (passkey step-up in the virtual authenticator) and confirmed on the computer.
 */
describe('agents (MCP) through the gate: static keys, OAuth, governance', () => {
  let tools: Awaited<ReturnType<typeof startMcpServer>>;
  let notes: Awaited<ReturnType<typeof startMcpServer>>;
  let t: Awaited<ReturnType<typeof startBehindTunnel>>;
  let admin: string;
  let fetchTls: typeof fetch;
  const contexts: BrowserContext[] = [];
  // Tool calls are batched for up to 200 ms, as token uses are: flush them before reading the trail.
  const auditLines = () => {
    t.server.lk.services.audit.flush();
    return readFileSync(t.server.lk.services.audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  };

  before(async () => {
    tools = await startMcpServer();
    notes = await startMcpServer();
    t = await startBehindTunnel((box) => {
      admin = box.replace('://box.', '://admin.');
      return {
        config: {
          public_origins: [box, admin], admin_origin: admin,
          apps: [
            { name: 'tools', upstream: tools.url, path: '/mcp', mcp: { deny_tools: ['admin_*'] } },
            { name: 'notes', upstream: notes.url, path: '/notes', mcp: true },
          ],
        },
      };
    });
    fetchTls = tunnelFetch(t.tls.cert);
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await t?.close();
    await tools?.close();
    await notes?.close();
  });

  it('a static key with app:tools: tools/list, tools/call, an SSE answer with progress, a denied tool; 403 on the other app and on Latchkey\'s API', async () => {
    const made = await t.server.api('POST', '/.latchkey/api/keys', { name: 'cursor', scopes: ['app:tools'] });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const key = made.body.secret as string;

    const { client, transport, connect } = await mcpClient(`${t.box}/mcp`, t.tls.cert, { key });
    await connect();
    const listed = await client.listTools();
    assert.deepEqual(listed.tools.map((x) => x.name).sort(), ['add', 'admin_reset', 'count', 'echo']);
    assert.equal(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } })), '42');
    // Progress notifications arrive on the SSE answer before the result: the gate buffers none of it.
    const progress: number[] = [];
    const counted = await client.callTool({ name: 'count', arguments: { n: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    assert.equal(textOf(counted), 'counted to 3');
    assert.deepEqual(progress, [1, 2, 3]);
    // A denied tool: a JSON-RPC error from the gate, and the app never hears of it.
    await assert.rejects(client.callTool({ name: 'admin_reset', arguments: {} }), /refused by Latchkey for "tools" \(mcp\.deny_tools\)/);
    assert.equal(tools.calls.includes('admin_reset'), false, 'the denied tool never ran');
    // The key never reaches the app.
    assert.ok(tools.seen.every((r) => r.headers.authorization === undefined), 'no Authorization reached the MCP server');
    assert.ok(tools.seen.some((r) => typeof r.headers['mcp-session-id'] === 'string'), 'Mcp-Session-Id passes through');
    assert.ok(tools.seen.some((r) => typeof r.headers['mcp-protocol-version'] === 'string'), 'MCP-Protocol-Version passes through');
    // DELETE ends the session at the server, through the gate.
    const sessions = tools.sessions.size;
    await transport.terminateSession();
    assert.equal(tools.sessions.size, sessions - 1, 'the session ended');
    assert.ok(tools.seen.some((r) => r.method === 'DELETE'));
    await client.close();

    // The same key on the other MCP app, and on Latchkey's own API.
    const other = await fetchTls(`${t.box}/notes`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    assert.equal(other.status, 403);
    assert.equal(((await other.json()) as { error: string }).error, 'insufficient_scope');
    const api = await fetchTls(`${admin}/.latchkey/api/devices`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(api.status, 403);
    assert.equal(notes.seen.length, 0, 'the other app heard nothing');

    const calls = auditLines().filter((e) => e.method === 'mcp-tool-call');
    assert.ok(calls.some((e) => e.tool === 'add' && e.result === 'sent' && e.app === 'tools' && e.token_id === made.body.key.id), 'a tool call is audited with its key');
    assert.ok(calls.some((e) => e.tool === 'admin_reset' && e.result === 'denied' && e.outcome === 'failure'), 'a denied call is audited');
  });

  it('without a credential, an agent is told where the authorization server is (RFC 9728), and the metadata names Latchkey', async () => {
    const res = await fetchTls(`${t.box}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), `Bearer resource_metadata="${t.box}/.well-known/oauth-protected-resource/mcp", scope="mcp"`);
    const prm = await (await fetchTls(`${t.box}/.well-known/oauth-protected-resource/mcp`)).json() as Record<string, unknown>;
    assert.deepEqual(prm, { resource: `${t.box}/mcp`, authorization_servers: [t.box], scopes_supported: ['mcp'], bearer_methods_supported: ['header'], resource_name: 'tools' });
    const as = await (await fetchTls(`${t.box}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
    assert.equal(as.issuer, t.box);
    assert.equal(as.registration_endpoint, `${t.box}/.latchkey/oauth/register`);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(as.response_types_supported, ['code']);
    // A person's browser is sent to sign in instead.
    const page = await fetchTls(`${t.box}/mcp`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(page.status, 302);
    // No metadata for an app that is not an MCP server, or a path with no app.
    assert.equal((await fetchTls(`${t.box}/.well-known/oauth-protected-resource/nowhere`)).status, 404);
  });

  it('OAuth: the SDK client registers, the owner allows it from a phone (step-up, then the computer types the code), and its token opens tools only; refresh rotates, a replayed refresh token revokes the grant', async () => {
    const { server } = t;
    // The owner's phone, paired on the admin origin.
    const owner = await phoneWaiting(t.browser, admin, 'Pixel 8');
    contexts.push(owner.context);
    const [first] = (await server.api('GET', '/.latchkey/api/devices/pending')).body.pending;
    assert.equal((await server.api('POST', `/.latchkey/api/devices/${first.id}/approve`, { code: owner.code })).status, 200);
    await owner.page.getByTestId('approved').waitFor();

    const agent = await loopbackOAuthProvider('Claude');
    // What `latchkey serve` prints in its terminal while this runs.
    const terminal: string[] = [];
    const quiet = createTerminalNotices(server.lk.services, (line) => terminal.push(line));
    try {
      const first = await mcpClient(`${t.box}/mcp`, t.tls.cert, { provider: agent.provider });
      await assert.rejects(first.connect(), UnauthorizedError);
      assert.equal(agent.authorizationUrls.length, 1);
      const authUrl = agent.authorizationUrls[0]!;
      assert.equal(authUrl.origin, t.box);
      assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authUrl.searchParams.get('resource'), `${t.box}/mcp`);

      // The phone opens it: consent is on the admin origin, where no app's script runs.
      await owner.page.goto(authUrl.href);
      await owner.page.waitForURL((u) => u.origin === admin && u.pathname === '/.latchkey/agents/allow');
      await owner.page.getByRole('heading', { name: 'Allow an agent' }).waitFor();
      const ask = await owner.page.getByTestId('agent-ask').innerText();
      assert.match(ask, /Claude wants to use tools on this computer/);
      assert.match(await owner.page.getByTestId('agent-redirect').innerText(), new RegExp(`127\\.0\\.0\\.1:${new URL(agent.redirectUrl).port}`));
      const axe = await new AxeBuilder({ page: owner.page }).analyze();
      assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), [], 'the consent page passes axe');
      await owner.page.getByRole('button', { name: 'Allow' }).click();
      // A step-up (the virtual authenticator answers with user verification), then the code for the computer.
      await owner.page.getByTestId('agent-code').waitFor();
      const code = await owner.page.getByTestId('agent-code').innerText();
      const waiting = (await server.api('GET', '/.latchkey/api/agents/waiting')).body.waiting;
      assert.equal(waiting.length, 1);
      assert.equal(waiting[0].client_name, 'Claude');
      assert.equal(JSON.stringify(waiting).includes(`"${code}"`), false, 'the computer is never shown the code');
      // The computer's Home says so too, and leads to where the code is typed.
      const home = await t.browser.newPage();
      try {
        await home.goto(`${server.local}/.latchkey/`);
        const banner = home.getByRole('complementary', { name: 'Agents waiting' });
        await banner.waitFor();
        assert.match(await banner.innerText(), /Claude \(allowed on Pixel 8 for tools\) waits for the code the phone shows/);
        assert.doesNotMatch(await banner.innerText(), /\b\d{2}\b/, 'never the code itself (no two-digit number at all)');
      } finally {
        await home.close();
      }
      const told = terminal.find((l) => l.startsWith('agent waiting: '));
      assert.match(String(told), new RegExp(`^agent waiting: "Claude" \\(returns to 127\\.0\\.0\\.1:\\d+\\) was allowed on Pixel 8 to use tools; .*latchkey clients approve ${waiting[0].uid} --code NN`));
      assert.equal(agent.codes.length, 0, 'nothing is granted before the computer confirms');
      const approved = await server.api('POST', `/.latchkey/api/agents/waiting/${waiting[0].uid}/approve`, { code });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      // The computer's list reloads at once (Devices → Agents does): the decided one leaves it, and the phone still learns the outcome.
      assert.deepEqual((await server.api('GET', '/.latchkey/api/agents/waiting')).body.waiting, []);
      // The phone's page goes on by itself, and the browser lands on the agent's loopback address with a code.
      await owner.page.waitForURL((u) => u.href.startsWith(agent.redirectUrl));
      assert.equal(agent.codes.length, 1);
      await first.transport.finishAuth(agent.codes[0]!);
      assert.ok(agent.tokens?.access_token && agent.tokens.refresh_token, 'an access and a refresh token');
      assert.ok((agent.tokens.expires_in ?? 0) <= 3600, 'the access token lives at most an hour');

      const second = await mcpClient(`${t.box}/mcp`, t.tls.cert, { provider: agent.provider });
      await second.connect();
      assert.equal(textOf(await second.client.callTool({ name: 'echo', arguments: { text: 'hi' } })), 'hi');
      await assert.rejects(second.client.callTool({ name: 'admin_reset', arguments: {} }), /mcp\.deny_tools/);
      const access = agent.tokens.access_token;
      // A web agent's call carries another site's Origin: with only a Bearer, there is no ambient credential to forge with.
      const fromWeb = await fetchTls(`${t.box}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${access}`, origin: 'https://claude.ai', 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
      assert.notEqual(fromWeb.status, 403, 'a web agent\'s cross-site call is judged by its token');
      // Bound to tools (RFC 8707): refused at notes and at Latchkey's API.
      const atNotes = await fetchTls(`${t.box}/notes`, { method: 'POST', headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
      assert.equal(atNotes.status, 403);
      assert.equal(((await atNotes.json()) as { error: string }).error, 'token_wrong_app');
      const atApi = await fetchTls(`${admin}/.latchkey/api/devices`, { headers: { authorization: `Bearer ${access}` } });
      assert.equal(atApi.status, 401, 'Latchkey\'s API refuses it');
      assert.deepEqual(await atApi.json(), { error: 'invalid_token', message: 'This is an agent\'s token for one MCP app: it opens that app only, and nothing of Latchkey\'s own API.', reason: 'agent_token' });
      const audit = auditLines();
      assert.ok(audit.some((e) => e.method === 'mcp-tool-call' && e.tool === 'echo' && e.client_id === agent.info?.client_id && e.name === 'Claude'), 'the agent\'s tool call is audited with its client');
      assert.ok(audit.some((e) => e.method === 'agent-register' && e.name === 'Claude'), 'registration is audited');
      assert.ok(audit.some((e) => e.method === 'agent-allow' && e.approved_on_computer === true), 'the allowance is audited');

      // Refresh rotates the refresh token; replaying the old one revokes the whole grant.
      const token = async (refresh: string) => fetchTls(`${t.box}/.latchkey/oauth/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: agent.info!.client_id, resource: `${t.box}/mcp` }).toString(),
      });
      const oldRefresh = agent.tokens.refresh_token!;
      const refreshed = await token(oldRefresh);
      assert.equal(refreshed.status, 200);
      const next = await refreshed.json() as { access_token: string; refresh_token: string };
      assert.notEqual(next.refresh_token, oldRefresh);
      const withNew = await fetchTls(`${t.box}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${next.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
      assert.notEqual(withNew.status, 401, 'the refreshed token works');
      const replay = await token(oldRefresh);
      assert.equal(replay.status, 400);
      assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
      const afterReplay = await fetchTls(`${t.box}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${next.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
      assert.equal(afterReplay.status, 401, 'a replayed refresh token revokes the grant and its live tokens');
      assert.equal((await token(next.refresh_token)).status, 400, 'the rotated refresh token is gone too');
      assert.ok(auditLines().some((e) => e.method === 'agent-grant-revoked' && e.reason === 'token_reused'), 'the reuse is in Activity');
      await second.client.close().catch(() => {});

      // A second agent allowed from the same phone goes when the phone is removed: a client is only as trusted as what let it in.
      const cursor = await loopbackOAuthProvider('Cursor');
      try {
        const c = await mcpClient(`${t.box}/mcp`, t.tls.cert, { provider: cursor.provider });
        await assert.rejects(c.connect(), UnauthorizedError);
        await owner.page.goto(cursor.authorizationUrls[0]!.href);
        await owner.page.getByTestId('agent-ask').waitFor();
        await owner.page.getByRole('button', { name: 'Allow' }).click();
        const code2 = await owner.page.getByTestId('agent-code').innerText();
        const [w] = (await server.api('GET', '/.latchkey/api/agents/waiting')).body.waiting;
        assert.equal((await server.api('POST', `/.latchkey/api/agents/waiting/${w.uid}/approve`, { code: code2 })).status, 200);
        await owner.page.waitForURL((u) => u.href.startsWith(cursor.redirectUrl));
        await c.transport.finishAuth(cursor.codes[0]!);
        const listed = (await server.api('GET', '/.latchkey/api/clients')).body.clients as Array<{ name: string; granted_by: string[] }>;
        const pixel = server.lk.services.store.list().find((d) => d.name === 'Pixel 8')!;
        assert.deepEqual(listed.find((x) => x.name === 'Cursor')?.granted_by, [pixel.id]);
        assert.equal((await server.api('DELETE', `/.latchkey/api/devices/${pixel.id}`)).status, 200);
        const gone = await fetchTls(`${t.box}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${cursor.tokens!.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
        assert.equal(gone.status, 401, 'the removed phone\'s agent is refused on its next request');
        assert.equal(((await server.api('GET', '/.latchkey/api/clients')).body.clients as Array<{ name: string }>).some((x) => x.name === 'Cursor'), false);
        assert.ok(auditLines().some((e) => e.method === 'agent-revoke' && e.reason === 'granting_device_removed'));
      } finally {
        await cursor.close();
      }
    } finally {
      quiet();
      await agent.close();
    }
  });
});
