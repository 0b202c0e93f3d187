import type { IncomingHttpHeaders } from 'node:http';
import { isIPv6 } from 'node:net';

/** What of an app the model needs: how it asked to be addressed, and where it listens. */
export interface AppAddress {
  hostHeader: 'upstream' | 'public';
  /** The upstream's origin as the app was added, e.g. http://localhost:3000 (its spelling is kept). */
  upstream: string;
  upstreamUrl: URL;
}

/**
 * One model of where a request came from, as the app is told it (issue 22). Every header that
 * names it is set here, and nowhere else, so they always agree with each other.
 *
 * - `host_header: "upstream"` (the default): the app sees the request as if the browser had
 *   talked to it directly at its upstream address. Host is the upstream's; an Origin or Referer
 *   that names the public origin the request came through is rewritten to the upstream's; and no
 *   X-Forwarded-* or Forwarded header is sent, because a browser talking directly sends none, and
 *   an app that is not set up for a proxy refuses them (Home Assistant answers 400) or compares
 *   them with Origin (Next.js Server Actions).
 * - `host_header: "public"`: every header names the public origin: Host, Origin and Referer as
 *   the browser sent them, and X-Forwarded-Host/-Proto/-For and Forwarded. For apps set up to run
 *   behind a reverse proxy (README: "Apps that work").
 *
 * In both, an Origin or Referer naming any other site passes unchanged, so the app still sees a
 * real cross-site request for what it is. The public origin is always in X-Latchkey-Public-Origin
 * and in the assertion's `iss`; the client's address in X-Latchkey-Client-Ip.
 */
export function originHeaders(app: AppAddress, publicOrigin: string, sent: IncomingHttpHeaders, clientIp: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {
    'x-latchkey-public-origin': publicOrigin,
    'x-latchkey-client-ip': clientIp,
  };
  if (app.hostHeader === 'public') {
    const publicUrl = new URL(publicOrigin);
    const proto = publicUrl.protocol.slice(0, -1);
    out.host = publicUrl.host;
    if (sent.origin !== undefined) out.origin = sent.origin;
    if (sent.referer !== undefined) out.referer = sent.referer;
    out['x-forwarded-host'] = publicUrl.host;
    out['x-forwarded-proto'] = proto;
    out['x-forwarded-for'] = clientIp;
    out.forwarded = `for=${isIPv6(clientIp) ? `"[${clientIp}]"` : clientIp};proto=${proto};host="${publicUrl.host}"`;
    return out;
  }
  out.host = app.upstreamUrl.host;
  if (sent.origin !== undefined) out.origin = sent.origin === publicOrigin ? app.upstream : sent.origin;
  if (sent.referer !== undefined) out.referer = asUpstream(sent.referer, publicOrigin, app.upstream);
  return out;
}

/** `https://box.alice.ts.net/jupyter/tree?x` → `http://127.0.0.1:8888/jupyter/tree?x`; a URL on any other origin unchanged. */
function asUpstream(url: string, publicOrigin: string, upstream: string): string {
  if (!url.startsWith(publicOrigin)) return url;
  const rest = url.slice(publicOrigin.length);
  // A whole origin only: https://box.alice.ts.net.evil.example/ is another site.
  if (rest !== '' && !'/?#'.includes(rest[0]!)) return url;
  return `${upstream}${rest === '' ? '/' : rest}`;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The same model on the way back: `Location: http://127.0.0.1:5173/x` (or the app's other
 * loopback spelling, on its port) becomes the public origin's /x; any other Location is the app's own.
 */
export function publicLocation(location: string, app: AppAddress, publicOrigin: string): string {
  try {
    const url = new URL(location, app.upstream);
    const sameApp = url.origin === app.upstream || (url.port === app.upstreamUrl.port && url.protocol === app.upstreamUrl.protocol && LOOPBACK_NAMES.includes(url.hostname));
    return sameApp ? `${publicOrigin}${url.pathname}${url.search}${url.hash}` : location;
  } catch {
    return location;
  }
}
