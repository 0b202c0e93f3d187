// The app behind the gate in `npm run bench`: a bare node:http server answering 700 bytes of
// JSON (as PERFORMANCE.md measures), a WebSocket echo, and 64 MB up/down, in its own process.
// Prints its port, then runs until its parent closes stdin.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const body = JSON.stringify({ items: Array.from({ length: 12 }, (_, i) => ({ id: i, name: `item-${i}`, ok: true })), pad: '' });
const payload = Buffer.from(body.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, 700 - body.length))}"`));
const chunk = Buffer.alloc(1024 * 1024, 7);

const server = createServer((req, res) => {
  if (req.url === '/download') {
    let left = 64;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(64 * chunk.length) });
    const pump = () => {
      while (left-- > 0) if (!res.write(chunk)) return void res.once('drain', pump);
      res.end();
    };
    return pump();
  }
  if (req.url === '/upload') {
    let bytes = 0;
    req.on('data', (c: Buffer) => { bytes += c.length; });
    req.on('end', () => res.end(String(bytes)));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(payload.length) });
  res.end(payload);
});
new WebSocketServer({ server }).on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
