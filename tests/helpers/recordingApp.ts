import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * A small real app to put behind the gate: it records every request (and WebSocket
 * handshake) exactly as it arrives, so a test can prove what the app receives and what it
 * never receives. Routes: /echo, POST /upload (streams and hashes the body), /download?mb=N,
 * /sse?n=N, /redirect, /slow (never answers), /die (ends mid-response), and WebSocket
 * echo on any path, routed by the last segment (subprotocol "chat" accepted; "close:CODE" closes with that code).
 */
export async function startRecordingApp() {
  const seen: Recorded[] = [];
  const open = new Set<import('node:net').Socket>();
  let port = 0;
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const url = new URL(req.url!, 'http://app');
    // Routed by the last segment, so the app behaves the same mounted at / or at /rec.
    const route = `/${url.pathname.split('/').filter(Boolean).at(-1) ?? ''}`;
    if (route === '/upload') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => { bytes += c.length; hash.update(c); });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
      });
      return;
    }
    if (route === '/download') {
      const chunk = Buffer.alloc(1024 * 1024, 7);
      let left = Number(url.searchParams.get('mb') ?? 1);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left * chunk.length) });
      const pump = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (route === '/sse') {
      let n = Number(url.searchParams.get('n') ?? 3);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      const timer = setInterval(() => {
        res.write(`data: tick ${n}\n\n`);
        if (--n <= 0) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      req.on('close', () => clearInterval(timer));
      return;
    }
    if (route === '/redirect') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/echo?from=redirect` });
      return void res.end();
    }
    if (route === '/slow') return;
    if (route === '/die') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'app_session=abc; Path=/; HttpOnly' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  });
  server.on('connection', (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  const wss = new WebSocketServer({ server, handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false) });
  wss.on('connection', (ws, req) => {
    seen.push({ method: 'UPGRADE', url: req.url!, headers: req.headers });
    ws.on('message', (data, binary) => {
      const text = data.toString();
      if (text.startsWith('close:')) return ws.close(Number(text.slice(6)), 'asked to');
      ws.send(binary ? data : `echo:${text}`, { binary });
    });
    ws.on('ping', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    last: (path: string) => seen.findLast((r) => r.url.startsWith(path)),
    async close() {
      for (const c of wss.clients) c.terminate();
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type RecordingApp = Awaited<ReturnType<typeof startRecordingApp>>;
