import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { fastifyCookie } from '@fastify/cookie';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { isLatchkeyBearer } from '../gate/authenticate.ts';
import type { ClientAddress } from '../gate/createClientAddress.ts';
import type { InFlightLimit } from '../gate/createInFlightLimit.ts';
import { requireAuth } from '../gate/gatePlugin.ts';
import { authorizeApp } from '../access/authorize.ts';
import { isLatchkeyCookie } from '../sessions/sessionCookies.ts';
import type { GateRequest, RequestContext } from '../gate/RequestContext.ts';
import type { Listener } from '../gate/resolveOrigin.ts';
import { runGate } from '../gate/runGate.ts';
import { safeReturnPath } from '../handoff/authOriginOf.ts';
import { ERROR_PAGE_CSP, errorPage, wantsHtml } from '../errors/errorPage.ts';
import { isLatchkeyPath, lk } from '../web/latchkeyPaths.ts';
import type { App, AppRegistry } from './createAppRegistry.ts';
import type { AssertionSigner } from './createAssertionSigner.ts';
import { isPublicPath } from './isPublicPath.ts';
import { originHeaders, publicLocation } from './originHeaders.ts';
import { deniedAnswer, isDeniedTool, mcpChallenge, readToolCalls, resourceOf, wrongAudience, type ToolCall } from '../agents/mcpGate.ts';

// OAuth metadata for MCP agents (RFC 8414, RFC 9728) is Latchkey's, even on an origin whose root is an app.
const isOAuthMetadataPath = (path: string) => path.startsWith('/.well-known/oauth-authorization-server') || path.startsWith('/.well-known/oauth-protected-resource');
const BEARER = /^Bearer +(\S+) *$/i;

// RFC 9110 §7.6.1: meaningful for one connection only, never forwarded (Upgrade is re-added for WebSocket handshakes).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
// Where the request came from is the model's to say (originHeaders.ts). Expect is answered by
// Latchkey itself, once the gate has let the request in: the body then follows as a plain upload.
const SET_BY_MODEL = new Set(['host', 'origin', 'referer', 'expect']);
/** The headers a response's `Connection` names, which are for that connection only too. */
const connectionNamed = (value: unknown) => String(value ?? '').toLowerCase().split(',').map((t) => t.trim());
// The usual way to start what is usually on a port, so the hint fits the app (npm run dev is no hint for Jupyter).
const START_HINTS: Record<string, string> = {
  '5173': 'npm run dev', '3000': 'npm run dev', '4321': 'npm run dev', '8888': 'jupyter notebook', '8123': 'hass', '7860': 'python app.py',
};
const startHint = (port: string) => (START_HINTS[port] ? ` (it is usually started with: ${START_HINTS[port]})` : ` so that it listens on port ${port || 80}`);
const NOT_LISTENING = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND']);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * Names the gate sets itself; a client-sent copy is dropped first. Compared with "_" read
 * as "-" (oauth2-proxy's lesson: some app servers treat them alike), so `X_Latchkey_Device_Id`
 * cannot smuggle an identity either.
 */
function isGateHeader(name: string): boolean {
  const n = name.replace(/_/g, '-');
  return n.startsWith('x-latchkey-') || n === 'latchkey-assertion' || n.startsWith('x-forwarded-') || n === 'forwarded' || n === 'x-real-ip';
}

function withoutLatchkeyCookies(header: string): string {
  return header.split(';').map((c) => c.trim()).filter((c) => c && !isLatchkeyCookie(c.slice(0, c.indexOf('=') < 0 ? undefined : c.indexOf('=')).trim())).join('; ');
}

const hasBody = (req: IncomingMessage) => req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;

/** Response headers the gate adds (a refreshed session cookie, a token's expiry Warning), kept until the app answers. */
function collectingReply() {
  const headers: Array<[string, string]> = [];
  return { headers, header: (name: string, value: string) => headers.push([name.toLowerCase(), value]) };
}

export interface AppProxyDeps {
  s: Services;
  apps: AppRegistry;
  signer: AssertionSigner;
  listener: Listener;
  client: ClientAddress;
  inFlight: InFlightLimit | null;
  /** Where an unexpected error is logged (the client sees only a generic 500). */
  logError: (err: unknown) => void;
  /** Where an app's failure to answer is logged, with which failure it was. */
  logUpstream: (facts: Record<string, string>, message: string) => void;
}

/**
 * The lean path for app traffic: straight from Node's `request` and `upgrade` events, through
 * the same gate functions as Latchkey's own routes (runGate), to an undici pool (HTTP) or a
 * byte-level pipe (WebSocket, so subprotocols, pings and close codes pass untouched). Fastify
 * serves only what is under /.latchkey/ (PERFORMANCE.md: its per-request pipeline would cost
 * half the throughput here). Bodies stream both ways; nothing is buffered whole.
 */
export function createAppProxy({ s, apps, signer, listener, client, inFlight, logError, logUpstream }: AppProxyDeps) {
  // Unauthenticated (public paths included) and refused app traffic only: a signed-in browser loading hundreds of modules is never limited.
  const limiter = new RateLimiterMemory({ points: s.limits.unauthenticatedPerMinute, duration: 60 });

  /** Whether a request belongs to an app rather than to Latchkey itself. */
  function takes(req: IncomingMessage): boolean {
    if (!apps.any()) return false;
    const path = (req.url ?? '/').split('?')[0]!;
    return !isLatchkeyPath(path) && path !== '/.well-known/webauthn' && !isOAuthMetadataPath(path);
  }

  function gateRequest(req: IncomingMessage): GateRequest {
    let cookies: Record<string, string | undefined> = {};
    try {
      cookies = req.headers.cookie ? fastifyCookie.parse(req.headers.cookie) : {};
    } catch {
      // A mangled Cookie header authenticates nobody.
    }
    return { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, socket: req.socket, cookies, raw: req, lk: null as unknown as RequestContext };
  }

  /** The refusal every path agrees on: the JSON a script reads, or a page for a person's navigation. */
  function refuse(req: IncomingMessage, res: ServerResponse, err: LatchkeyError, extra: Array<[string, string]> = []) {
    if (res.headersSent) return void res.destroy();
    const headers: Record<string, string | string[]> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...err.headers };
    for (const [k, v] of extra) headers[k] = k === 'set-cookie' ? [...[headers[k] ?? []].flat(), v] : v;
    // An unread body (a refused upload) is not drained: the connection is closed instead.
    if (!req.complete && hasBody(req)) headers.connection = 'close';
    if (wantsHtml(req.method, req.headers)) {
      res.writeHead(err.statusCode, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': ERROR_PAGE_CSP });
      res.end(errorPage(err));
      return;
    }
    res.writeHead(err.statusCode, { ...headers, 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: err.code, message: err.message, ...err.extra }));
  }

  const unknownError = () => new LatchkeyError('internal_error', 'Something went wrong on the server; the details are in its log.', 500);
  const asLatchkeyError = (err: unknown) => {
    if (err instanceof LatchkeyError) return err;
    logError(err);
    return unknownError();
  };

  // Clients whose redirect to sign-in was audited lately: one line per client per 10 minutes, not one per page load.
  const redirected = new Map<string, number>();
  function noteSignInRedirect(request: GateRequest) {
    const ip = request.lk?.ip ?? client.ipOf(request);
    const now = s.clock.now();
    const last = redirected.get(ip);
    if (last !== undefined && now - last < 10 * 60_000) return;
    redirected.delete(ip);
    redirected.set(ip, now);
    if (redirected.size > 10_000) redirected.delete(redirected.keys().next().value!);
    s.audit.record({ outcome: 'info', method: 'app-signin-redirect', origin: request.lk?.origin ?? null, ip, path: safeReturnPath(request.url).slice(0, 200) });
  }

  /** Counts an unauthenticated or refused request against its client; past the limit, 429. */
  async function limit(ip: string) {
    try {
      await limiter.consume(ip);
    } catch {
      throw new LatchkeyError('rate_limited', 'Too many requests without signing in; try again in a minute.', 429);
    }
  }

  /**
   * Runs the gate and finds the app. Returns what the request may do, or throws the refusal.
   * An unauthenticated request never reaches the app unless its path is public.
   */
  async function admit(request: GateRequest, reply: ReturnType<typeof collectingReply>, upgrade = false) {
    // Every refused or unauthenticated request counts once against its client, and the count is
    // decided before anything is written: a refused credential is audited only within the budget,
    // so a flood meets 429 and cannot fill the trail (second review, finding 3).
    let counted = false;
    const count = async (ip: string) => {
      if (counted) return;
      counted = true;
      await limit(ip);
    };
    const auditHeld = async () => {
      const held = request.lk?.deferred;
      if (!held?.length) return;
      await count(request.lk.ip);
      for (const e of held) s.audit.recordFailure(e);
      held.length = 0;
    };
    try {
      await runGate(request, reply, s, listener, client, { forApp: true });
    } catch (err) {
      // A refusal by the gate is failing traffic: it counts against the client too.
      await auditHeld();
      await count(client.ipOf(request));
      throw err;
    }
    await auditHeld();
    const ctx = request.lk;
    const path = request.url.split('?')[0]!;
    const app = apps.match(ctx.origin, listener, path);
    if (!app) {
      await count(ctx.ip);
      throw new LatchkeyError('no_app_here', `No app is served at ${path} on ${ctx.origin}. Latchkey itself is at ${lk('/')}.`, 404);
    }
    // A Bearer presented to an MCP app is judged even where the loopback bypass would let the request in:
    // a revoked or foreign token fails everywhere, as a refused Latchkey token does.
    if (app.mcp && (ctx.via === null || ctx.via === 'loopback')) await admitAgent(request, app, count);
    if (ctx.via) {
      // The same table as Latchkey's own routes: a token opens only the apps its scopes name.
      authorizeApp(ctx, app, request.method, s.shares);
      return { ctx, app, authenticated: true };
    }
    await count(ctx.ip);
    if (isPublicPath(upgrade ? app.publicUpgrades : app.publicPaths, path)) return { ctx, app, authenticated: false };
    // An agent (anything but a person's page load) is told where to get a token (MCP authorization).
    if (app.mcp && !wantsHtml(request.method, request.headers)) throw mcpChallenge(ctx.origin, app);
    await requireAuth(request);
    throw unknownError();
  }

  /**
   * An agent's OAuth token on an MCP app: bound to exactly this app on this origin (RFC 8707),
   * live, and its client not revoked. O(1): a hash and a Map read, no I/O. A Bearer that is not
   * ours is refused here rather than passed on: an MCP app's Authorization belongs to the gate.
   */
  async function admitAgent(request: GateRequest, app: App, count: (ip: string) => Promise<void>) {
    const ctx = request.lk;
    const bearer = BEARER.exec(String(request.headers.authorization ?? ''))?.[1];
    if (!bearer) return;
    const grant = s.agents.checkToken(bearer);
    if (!grant || grant.resource !== resourceOf(ctx.origin, app)) {
      await count(ctx.ip);
      s.audit.recordFailure({ outcome: 'failure', method: 'agent-token', origin: ctx.origin, ip: ctx.ip, app: app.name, reason: grant ? 'token_wrong_app' : 'invalid_token', client_id: grant?.clientId ?? null });
      throw grant ? wrongAudience(app, grant.resource) : mcpChallenge(ctx.origin, app, 'invalid_token');
    }
    ctx.via = 'agent';
    ctx.principal = 'agent';
    ctx.agent = grant;
  }

  /** The headers the app receives: the client's, minus Latchkey's credentials and any forged identity, plus the gate's. */
  function upstreamHeaders(req: IncomingMessage, ctx: RequestContext, app: App, assertion: string | null, upgrade: boolean) {
    const authenticated = assertion !== null;
    const out: IncomingHttpHeaders = {};
    const connection = req.headers.connection;
    const named = connection && connection.includes(',') ? connection.toLowerCase().split(',').map((t) => t.trim()) : [connection?.toLowerCase()];
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name) || isGateHeader(name) || SET_BY_MODEL.has(name)) continue;
      if (name === 'cookie') {
        const kept = withoutLatchkeyCookies(String(value));
        if (kept) out.cookie = kept;
      } else if (name === 'authorization') {
        // Neither a Latchkey key nor an agent's token reaches the app; the app's own schemes pass, except to an
        // MCP app, whose authorization is the gate's (it learns who calls from Latchkey-Assertion).
        if (!isLatchkeyBearer(String(value)) && !app.mcp) out.authorization = value as string;
      } else {
        out[name] = value;
      }
    }
    Object.assign(out, originHeaders(app, ctx.origin, req.headers, ctx.ip));
    out['x-latchkey-auth-method'] = authenticated ? ctx.via! : 'none';
    if (authenticated) {
      const device = ctx.device;
      if (device) {
        out['x-latchkey-device-id'] = device.id;
        out['x-latchkey-device-name'] = encodeURIComponent(device.name);
      }
      // Who, when no device: a key made on the computer, the person at the computer, or nobody in particular (gate off or open grace).
      out['latchkey-assertion'] = assertion;
    }
    if (upgrade) {
      out.connection = 'Upgrade';
      out.upgrade = req.headers.upgrade;
    }
    return out;
  }

  /** The signed identity for an admitted request (null when it came in unauthenticated, on a public path). */
  function assertionOf(ctx: RequestContext, app: App, authenticated: boolean): string | null | Promise<string> {
    if (!authenticated) return null;
    const device = ctx.device;
    // Who, when no device: a key made on the computer, the person at the computer, or nobody in particular (gate off or open grace).
    const sub = device?.id ?? (ctx.token ? `token:${ctx.token.id}` : ctx.agent ? `agent:${ctx.agent.clientId}` : ctx.principal === 'computer' ? 'computer' : 'anonymous');
    // A guest is named as one, with its share, so the app can treat guests differently.
    const share = ctx.principal === 'guest' ? device?.share_id ?? null : null;
    return signer.assertionFor({ origin: ctx.origin, app: app.name, sub, method: ctx.via!, name: device?.name ?? ctx.agent?.clientName ?? null, ...(share ? { role: 'guest' as const, share } : {}) });
  }

  /**
   * Why an app gave no usable answer, told apart: not running (nothing listens), answered but
   * not with HTTP (something listens and sent bytes that are not a response, or closed at once),
   * or too slow. The log line names which, with the low-level cause.
   */
  function upstreamFailure(err: unknown, app: App): LatchkeyError {
    const cause = (err as { code?: string }).code ?? (err as Error).message;
    const facts = { app: app.name, upstream: app.upstream };
    let e: LatchkeyError;
    if (TIMED_OUT.has(cause)) {
      e = new LatchkeyError('app_timeout', `The app "${app.name}" (${app.upstream}) did not answer within ${Math.round(s.limits.appTimeoutMs / 1000)} s.`, 504, facts);
    } else if (NOT_LISTENING.has(cause)) {
      e = new LatchkeyError('app_unreachable',
        `The app "${app.name}" is not answering at ${app.upstream}. Start it on the computer${startHint(app.upstreamUrl.port)}, then reload this page.`, 502, facts);
    } else {
      e = new LatchkeyError('app_bad_response',
        `The app "${app.name}" at ${app.upstream} is up, but did not answer with HTTP (${cause}). Check that this is the app's address, and look at its log.`, 502, facts);
    }
    logUpstream({ ...facts, error: e.code, cause }, `app "${app.name}" failed: ${e.code}`);
    return e;
  }

  /** One HTTP request to an app; `expectsContinue`: the client sent Expect: 100-continue and waits for our word to send its body. */
  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue = false) {
    const reply = collectingReply();
    const request = gateRequest(req);
    let admitted;
    try {
      if (inFlight) {
        const busy = inFlight.admit(client.ipOf(request), res);
        if (busy) throw busy;
      }
      admitted = await admit(request, reply);
    } catch (err) {
      const e = asLatchkeyError(err);
      if (e.code === 'no_app_here' && (req.url ?? '/').split('?')[0] === '/') {
        // No app at this origin's root: the root is Latchkey's home, as when no app is configured.
        res.writeHead(302, { location: lk('/'), 'cache-control': 'no-store' });
        res.end();
        return;
      }
      if (e.code === 'auth_required' && wantsHtml(req.method, req.headers) && req.method === 'GET') {
        // A person's browser goes to sign in (or pair) and comes back to the page it asked for.
        noteSignInRedirect(request);
        // With the gate's cookies: an ended session is cleared, and the page learns why it ended (the ended cookie).
        const cookies = reply.headers.filter(([name]) => name === 'set-cookie').map(([, value]) => value);
        res.writeHead(302, { location: `${lk('/signin')}?${new URLSearchParams({ next: safeReturnPath(req.url) })}`, 'cache-control': 'no-store', ...(cookies.length ? { 'set-cookie': cookies } : {}) });
        res.end();
        return;
      }
      refuse(req, res, e, reply.headers);
      return;
    }
    const { ctx, app, authenticated } = admitted;
    if (expectsContinue) res.writeContinue();
    let body: Buffer | IncomingMessage | null = hasBody(req) ? req : null;
    let calls: ToolCall[] = [];
    if (app.mcp && req.method === 'POST' && body) {
      try {
        ({ body, calls } = await readToolCalls(req, app.mcp));
      } catch (err) {
        refuse(req, res, asLatchkeyError(err), reply.headers);
        return;
      }
      if (calls.some((c) => isDeniedTool(c.name, app.mcp!.denyTools))) {
        for (const c of calls) auditToolCall(ctx, app, c, isDeniedTool(c.name, app.mcp.denyTools) ? 'denied' : 'not_sent');
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(deniedAnswer(body, calls, app.mcp.denyTools, app.name));
        return;
      }
    }
    const pending = assertionOf(ctx, app, authenticated);
    const assertion = typeof pending === 'string' || pending === null ? pending : await pending;
    // undici's dispatch(): the app's answer is written straight into the response as it arrives, with
    // backpressure, and no stream object in between (this is the hot path: PERFORMANCE.md).
    let controller: { abort(reason: Error): void; pause(): void; resume(): void } | null = null;
    let clientGone = false;
    res.once('close', () => {
      if (res.writableFinished) return;
      clientGone = true;
      controller?.abort(new Error('the client went away'));
    });
    const fail = (err: Error) => {
      if (clientGone) return;
      // Before the app answered: a clear 502/504. After (it died mid-response): the browser sees the response end early.
      if (res.headersSent) res.destroy();
      else refuse(req, res, upstreamFailure(err, app), reply.headers);
    };
    app.pool.dispatch({
      method: req.method as 'GET',
      path: req.url ?? '/',
      headers: upstreamHeaders(req, ctx, app, assertion, false),
      body,
    }, {
      onRequestStart(c) {
        controller = c;
        if (clientGone) c.abort(new Error('the client went away'));
      },
      onResponseStart(_c, statusCode, upstreamResponseHeaders) {
        if (statusCode < 200) return; // 1xx informational answers are the app's business with its own client
        // A tool call's outcome as far as the gate sees it: the app's status, read without touching the stream.
        for (const c of calls) auditToolCall(ctx, app, c, statusCode < 400 ? 'sent' : `app_status_${statusCode}`);
        const headers: Record<string, string | string[]> = {};
        const named = connectionNamed(upstreamResponseHeaders.connection);
        for (const name in upstreamResponseHeaders) {
          const value = upstreamResponseHeaders[name];
          if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
          headers[name] = name === 'location' ? publicLocation(String(value), app, ctx.origin) : value;
        }
        for (const [name, value] of reply.headers) {
          headers[name] = name === 'set-cookie' ? [...[headers[name] ?? []].flat(), value] : value;
        }
        // An event stream's headers go out at once (the app may write its first event much later), and
        // nginx-style fronts would otherwise hold it back in a buffer. Other responses send headers with the body.
        const eventStream = String(headers['content-type'] ?? '').startsWith('text/event-stream');
        if (eventStream) headers['x-accel-buffering'] = 'no';
        res.writeHead(statusCode, headers);
        if (eventStream) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        if (res.write(chunk)) return;
        c.pause();
        res.once('drain', () => c.resume());
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError(_c, err) {
        fail(err);
      },
    });
  }

  /** Every tool call through the gate is in Activity: who (client, key or device), which app, which tool, what became of it. */
  // Batched like token uses (up to 200 ms, identical calls counted on one line), so a busy agent costs no disk write per call.
  function auditToolCall(ctx: RequestContext, app: App, call: ToolCall, outcome: string) {
    const tool = call.name.slice(0, 128);
    const who = ctx.agent?.clientId ?? ctx.token?.id ?? ctx.device?.id ?? ctx.principal;
    s.audit.recordRoutine(`mcp\u0000${who}\u0000${app.name}\u0000${tool}\u0000${outcome}\u0000${ctx.ip}\u0000${ctx.origin}`, () => ({
      outcome: outcome === 'sent' ? 'success' : outcome === 'denied' ? 'failure' : 'info', method: 'mcp-tool-call', app: app.name, tool,
      result: outcome, origin: ctx.origin, ip: ctx.ip, client_id: ctx.agent?.clientId ?? null, name: ctx.agent?.clientName ?? ctx.device?.name ?? null,
      token_id: ctx.token?.id ?? null, device_id: ctx.device?.id ?? null,
    }));
  }

  /** WebSocket (and any other Upgrade): refused before the app is contacted unless the gate lets it through, then piped byte for byte. */
  async function upgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
    socket.on('error', () => socket.destroy());
    const fail = (err: LatchkeyError) => {
      const body = JSON.stringify({ error: err.code, message: err.message });
      socket.end(`HTTP/1.1 ${err.statusCode} ${err.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    const path = (req.url ?? '/').split('?')[0]!;
    let admitted;
    try {
      if (!takes(req)) {
        // Latchkey's own paths hold no WebSocket; the gate still answers first, as it does for every request.
        const request = gateRequest(req);
        await runGate(request, collectingReply(), s, listener, client);
        await requireAuth(request);
        throw new LatchkeyError('not_found', `Nothing at ${path} accepts a WebSocket.`, 404);
      }
      admitted = await admit(gateRequest(req), collectingReply(), true);
    } catch (err) {
      return fail(asLatchkeyError(err));
    }
    const { ctx, app, authenticated } = admitted;
    const send = app.upstreamUrl.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send({
      host: app.upstreamUrl.hostname.replace(/^\[|\]$/g, ''),
      port: app.upstreamUrl.port || (app.upstreamUrl.protocol === 'https:' ? 443 : 80),
      method: req.method,
      path: req.url,
      headers: upstreamHeaders(req, ctx, app, await assertionOf(ctx, app, authenticated), true),
      agent: false,
    });
    let answered = false;
    outgoing.on('error', (err) => {
      // Once the app's answer is being relayed, an error can only cut it short.
      if (answered) return void socket.destroy();
      fail(upstreamFailure(err, app));
    });
    outgoing.on('response', (res) => {
      answered = true;
      res.on('error', () => socket.destroy());
      // The app declined the upgrade. Its body arrives here already de-chunked, so it is relayed
      // re-framed: the app's own framing and connection headers are dropped, and the body ends
      // where the connection closes (or at its Content-Length), as HTTP/1.1 allows.
      const named = connectionNamed(res.headers.connection);
      const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i]!.toLowerCase();
        if (HOP_BY_HOP.has(name) || named.includes(name)) continue;
        lines.push(`${res.rawHeaders[i]}: ${name === 'location' ? publicLocation(res.rawHeaders[i + 1]!, app, ctx.origin) : res.rawHeaders[i + 1]}`);
      }
      lines.push('Connection: close');
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      res.pipe(socket);
    });
    outgoing.on('upgrade', (res, upstreamSocket, upstreamHead) => {
      answered = true;
      const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upstreamHead.length) socket.write(upstreamHead);
      if (head.length) upstreamSocket.write(head);
      for (const sock of [socket, upstreamSocket]) {
        sock.setNoDelay(true);
        sock.setTimeout(0);
      }
      upstreamSocket.on('error', () => socket.destroy());
      socket.on('close', () => upstreamSocket.destroy());
      upstreamSocket.on('close', () => socket.destroy());
      upstreamSocket.pipe(socket);
      socket.pipe(upstreamSocket);
    });
    outgoing.end();
  }

  return { takes, handle, upgrade };
}
