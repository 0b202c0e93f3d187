// Memory stays flat: after a warm-up, a 30 s full-load soak (the app path, the API with a
// cookie and with a bearer key, sign-in ceremonies, pages, refusals) and then a 10,000-request
// fuzz of the endpoints open without signing in must leave the server's RSS within 20 MB of
// where it was after the warm-up. RSS is read after full collections in the server's own
// process, so a growing cache or a leak shows, and garbage not yet collected does not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import autocannon from 'autocannon';

const SOAK_S = Number(process.env.MEMORY_SOAK_SECONDS ?? 30);
const FUZZ_REQUESTS = 10_000;
const ALLOWED_GROWTH_MB = 20;

/** A small, seeded generator, so a fuzz failure can be replayed with the same requests. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPEN_PATHS = [
  '/', '/.latchkey/', '/.latchkey/pair', '/.latchkey/signin', '/.latchkey/assets/app.js', '/.latchkey/assets/app.css', '/.latchkey/jwks.json',
  '/.well-known/webauthn', '/.latchkey/auth/state', '/.latchkey/auth/register/options', '/.latchkey/auth/register/verify',
  '/.latchkey/auth/login/options', '/.latchkey/auth/login/verify', '/.latchkey/auth/logout', '/.latchkey/auth/pairing/status',
  '/.latchkey/auth/fallback/signin', '/.latchkey/auth/fallback/email/send', '/.latchkey/auth/fallback/email/check',
  '/.latchkey/auth/fallback/email/confirm', '/.latchkey/auth/device/code', '/.latchkey/auth/token', '/.latchkey/auth/cli/request',
  '/.latchkey/auth/handoff', '/.latchkey/auth/handoff/start', '/.latchkey/api/whoami', '/.latchkey/api/devices', '/app/x', '/favicon.ico',
];
const METHODS = ['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'];

function fuzzRequest(rand: () => number, urls: { local: string; remote: string }) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(rand() * 95))).join('');
  let path = pick(OPEN_PATHS);
  if (rand() < 0.3) path += `/${encodeURIComponent(junk(1 + Math.floor(rand() * 40)))}`;
  if (rand() < 0.3) path += `?${encodeURIComponent(junk(5))}=${encodeURIComponent(junk(1 + Math.floor(rand() * 200)))}`;
  const headers: Record<string, string> = {};
  const remote = rand() < 0.5;
  if (remote) headers.host = pick(['box.example.ts.net', 'evil.example', '127.0.0.1', junk(10).replace(/[^a-z.]/gi, 'a')]);
  if (rand() < 0.4) headers.origin = pick(['https://box.example.ts.net', 'https://evil.example', 'null', 'http://localhost']);
  if (rand() < 0.3) headers.cookie = `lk_session=${junk(Math.floor(rand() * 300)).replace(/[;\s]/g, 'x')}`;
  if (rand() < 0.2) headers.authorization = `Bearer ${junk(Math.floor(rand() * 80)).replace(/\s/g, 'x')}`;
  if (rand() < 0.2) headers['x-forwarded-for'] = `${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}.0.1`;
  if (rand() < 0.2) headers.accept = pick(['text/html', 'application/json', '*/*']);
  const method = pick(METHODS);
  let body: string | undefined;
  if (method !== 'GET' && method !== 'HEAD' && rand() < 0.8) {
    const shapes = [
      () => JSON.stringify({ [junk(5)]: junk(20), name: junk(Math.floor(rand() * 200)), code: junk(6), method: pick(['password', 'totp', 'backup_code', junk(4)]) }),
      () => JSON.stringify({ ceremony_id: junk(20), response: { id: junk(40), response: { clientDataJSON: junk(100) } } }),
      () => JSON.stringify([1, 2, 3]),
      () => `{"unterminated": ${junk(10)}`,
      () => junk(Math.floor(rand() * 2000)),
      () => 'x'.repeat(70 * 1024),
    ];
    body = pick(shapes)();
    // Node's client frames a DELETE or OPTIONS body only when told its length; unframed, the body would be read as the next request.
    headers['content-length'] = String(Buffer.byteLength(body));
    headers['content-type'] = pick(['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', junk(8)]);
  }
  return { base: remote ? urls.remote : urls.local, method, path, headers, body };
}

describe('memory stays flat under load and fuzz', { timeout: 180_000 }, () => {
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, padding: 'x'.repeat(680) }));
  });
  let child: ReturnType<typeof spawn>;
  let lines: AsyncIterator<string>;
  let server: { local: string; remote: string; appHost: string; cookie: string; authorization: string };

  before(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'tests/helpers/memoryServer.ts', upstreamUrl], { stdio: ['pipe', 'pipe', 'inherit'] });
    lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    server = JSON.parse((await lines.next()).value as string);
  });
  after(async () => {
    child.stdin!.end();
    await once(child, 'exit');
    upstream.close();
  });

  const memory = async () => {
    child.stdin!.write('rss\n');
    const { rss, heapUsed } = JSON.parse((await lines.next()).value as string) as { rss: number; heapUsed: number };
    return { rss: rss / 1048576, heap: heapUsed / 1048576 };
  };
  const show = (m: { rss: number; heap: number }) => `RSS ${m.rss.toFixed(1)} MB (heap ${m.heap.toFixed(1)} MB)`;

  const load = (seconds: number) => autocannon({
    url: server.local, connections: 20, duration: seconds,
    requests: [
      { method: 'GET', path: '/app/data', headers: { host: server.appHost, authorization: server.authorization } },
      { method: 'GET', path: '/.latchkey/api/devices', headers: { authorization: server.authorization } },
      { method: 'GET', path: '/.latchkey/api/whoami', headers: { cookie: server.cookie } },
      { method: 'POST', path: '/.latchkey/auth/login/options', headers: { 'content-type': 'application/json' }, body: '{}' },
      { method: 'GET', path: '/.latchkey/' },
      { method: 'GET', path: '/app/data', headers: { host: server.appHost } },
      { method: 'GET', path: '/.latchkey/api/devices', headers: { authorization: 'Bearer lk_nope' } },
    ],
  });

  async function fuzz(count: number, seed: number) {
    const rand = mulberry32(seed);
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    const connectionErrors: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const r = fuzzRequest(rand, server);
        next++;
        const status = await new Promise<number>((resolve) => {
          const url = new URL(r.base);
          const req = request({ agent, host: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          });
          req.on('error', (err: NodeJS.ErrnoException) => {
            // A server may close the connection on a body over its limit before reading it all (413): that is
            // an answer. Any other connection error is a failure.
            if ((r.body?.length ?? 0) <= 64 * 1024) connectionErrors.push(`${err.code} ${r.method} ${r.path}`);
            resolve(0);
          });
          req.end(r.body);
        });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) serverErrors.push(`${status} ${r.method} ${r.path}`);
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    agent.destroy();
    return { statuses, serverErrors, connectionErrors };
  }

  it(`a ${SOAK_S} s soak and ${FUZZ_REQUESTS} fuzzed requests leave RSS within ${ALLOWED_GROWTH_MB} MB, and no request gets a 5xx`, async () => {
    // Warm-up, twice: every path under load (JIT, lazily loaded modules, pools, allocator arenas), so the
    // baseline is the steady state and not a peak the allocator has yet to give back.
    for (const seed of [1, 2]) {
      await load(3);
      await fuzz(1_000, seed);
    }
    const start = await memory();

    const soak = await load(SOAK_S);
    assert.equal(soak.errors, 0, 'no connection errors under load');
    assert.ok(soak.requests.total > SOAK_S * 200, `the soak sent real load (${soak.requests.total} requests)`);
    const afterSoak = await memory();

    const { statuses, serverErrors, connectionErrors } = await fuzz(FUZZ_REQUESTS, 20261123);
    assert.deepEqual(serverErrors.slice(0, 10), [], 'no fuzzed request gets a 5xx');
    assert.deepEqual(connectionErrors.slice(0, 10), [], 'every fuzzed request within the body limit gets an answer');
    assert.ok([...statuses.keys()].some((s) => s >= 400 && s < 500), 'the fuzz reached refusals');
    const end = await memory();

    const summary = `${show(start)} after warm-up, ${show(afterSoak)} after the soak (${soak.requests.total} requests), ` +
      `${show(end)} after the fuzz (statuses ${JSON.stringify(Object.fromEntries(statuses))})`;
    console.log(summary);
    // The allocator gives memory back late, so a reading can sit above the steady state; the fuzz is held to the
    // lowest reading before it, which makes the check stricter, never looser.
    assert.ok(afterSoak.rss - start.rss <= ALLOWED_GROWTH_MB, summary);
    assert.ok(end.rss - Math.min(start.rss, afterSoak.rss) <= ALLOWED_GROWTH_MB, summary);
  });
});
