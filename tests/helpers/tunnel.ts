import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** A throwaway certificate for *.alice.ts.net and *.example.test, plus its SPKI pin for Chromium. */
export function makeTlsFixture() {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=box.alice.ts.net',
    '-addext', 'subjectAltName=DNS:*.alice.ts.net,DNS:*.example.test'], { stdio: 'ignore' });
  const spki = execFileSync('sh', ['-c',
    `openssl x509 -in ${cert} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`]).toString().trim();
  return {
    dir, key, cert, spki,
    chromiumArgs: [
      '--host-resolver-rules=MAP *.ts.net 127.0.0.1, MAP *.example.test 127.0.0.1',
      `--ignore-certificate-errors-spki-list=${spki}`,
    ],
  };
}

async function waitForPort(port: number, child: ChildProcess, what: string) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => { sock.end(); resolve(true); }).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start listening on ${port}`);
}

/**
 * Real nginx terminating TLS and forwarding to the remote listener, setting the headers
 * Tailscale Serve and cloudflared set.
 */
export async function startNginx(tls: ReturnType<typeof makeTlsFixture>, upstreamPort: number, port?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-nginx-'));
  // nginx workers run unprivileged: large request bodies are spooled to a temp folder they must be able to write.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'body'), { mode: 0o777 });
  chmodSync(join(dir, 'body'), 0o777);
  port ??= await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  # Like a tunnel: WebSockets pass, nothing is buffered (TESTING.md).
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  client_max_body_size 200m;
  server {
    listen 127.0.0.1:${port} ssl;
    server_name _;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    location = /static-probe { default_type text/html; return 200 "<!doctype html><title>other site</title>"; }
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}`);
  const child = spawn('nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  await waitForPort(port, child, 'nginx');
  return {
    port,
    errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    stop: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}

/** A raw TCP forward: no headers at all, exactly like a plain port forward. */
export async function startSocat(targetPort: number) {
  const port = await freePort();
  const child = spawn('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `TCP:127.0.0.1:${targetPort}`], { stdio: 'ignore' });
  await waitForPort(port, child, 'socat');
  return { port, stop: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }) };
}

/**
 * Every host name is this machine, for the server's own outbound checks (the tunnel check), as
 * Chromium's host-resolver flag makes it for the browser: tests never look a name up or dial out.
 */
export const toLoopback: LookupFunction = (_host, options, callback) => {
  if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};
