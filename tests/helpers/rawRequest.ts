import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A plain HTTP request where every header, Host included, is exactly what the test says. */
export function rawRequest(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; host?: string; tls?: { ca: string; servername: string } }) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any; text: string }>((resolve, reject) => {
    const request = opts.tls ? httpsRequest : httpRequest;
    const req = request({ host: opts.host ?? '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, ...opts.tls }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let body: any = null;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
