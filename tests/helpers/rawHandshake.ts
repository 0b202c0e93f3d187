import { connect } from 'node:net';

/**
 * A WebSocket handshake written by hand, so a test controls every header (Node's and ws's
 * clients would normalise `Connection`); resolves with the status line the server answered.
 */
export function rawHandshake(port: number, headers: Record<string, string>, path = '/', connection = 'Upgrade'): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      const lines = [`GET ${path} HTTP/1.1`, `Connection: ${connection}`, 'Upgrade: websocket', 'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let out = '';
    sock.on('data', (c) => {
      out += c;
      if (out.includes('\r\n')) {
        sock.destroy();
        resolve(out.split('\r\n')[0]!);
      }
    });
    sock.on('error', reject);
  });
}
