import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** The body of the declined handshake: the app echoes bytes that a careless relay would let a parser read as a second response. */
export const DECLINED_BODY = 'not a WebSocket here\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';

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
 * Two misbehave on purpose: a handshake to /decline is refused with a chunked 400 whose body
 * holds what looks like a second response, and /garbage (HTTP or handshake) gets bytes that are
 * not HTTP at all, then a close.
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
    if (route === '/garbage') return void res.socket?.end('SSH-2.0-OpenSSH_9.2\r\n');
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
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false) });
  server.on('upgrade', (req, socket, head) => {
    const route = `/${new URL(req.url!, 'http://app').pathname.split('/').filter(Boolean).at(-1) ?? ''}`;
    if (route === '/garbage') return void socket.end('SSH-2.0-OpenSSH_9.2\r\n');
    if (route === '/decline') {
      seen.push({ method: 'DECLINED', url: req.url!, headers: req.headers });
      socket.write('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n');
      for (const part of [DECLINED_BODY.slice(0, 20), DECLINED_BODY.slice(20)]) socket.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
      return void socket.end('0\r\n\r\n');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
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
