import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { toLoopback } from './tunnel.ts';

/**
 * The fetch a Node MCP client uses to reach https://box.alice.ts.net:PORT through the TLS front:
 * names go to loopback and the test certificate is trusted (as NODE_EXTRA_CA_CERTS would, for this client only).
 */
export function tunnelFetch(certFile: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: readFileSync(certFile, 'utf8'), lookup: toLoopback } });
  return ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}

/** The official SDK's client over Streamable HTTP, with a static key or an OAuth provider. */
export async function mcpClient(url: string, certFile: string, auth: { key: string } | { provider: OAuthClientProvider }) {
  const transport = new StreamableHTTPClientTransport(new URL(url), 'key' in auth
    ? { requestInit: { headers: { authorization: `Bearer ${auth.key}` } }, fetch: tunnelFetch(certFile) }
    : { authProvider: auth.provider, fetch: tunnelFetch(certFile) });
  const client = new Client({ name: 'latchkey-test-agent', version: '1.0.0' });
  return { client, transport, connect: () => client.connect(transport) };
}

/**
 * An in-memory OAuthClientProvider, as a native agent keeps one: a loopback redirect URI served
 * by a small listener that records the code the browser lands with.
 */
export async function loopbackOAuthProvider(clientName: string) {
  const codes: string[] = [];
  const landed: string[] = [];
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    landed.push(url.search);
    const code = url.searchParams.get('code');
    if (code) codes.push(code);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Agent</title><h1>${code ? 'Signed in' : 'Not signed in'}</h1>`);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const redirectUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/callback`;
  let info: OAuthClientInformationMixed | undefined;
  let tokens: OAuthTokens | undefined;
  let verifier = '';
  const authorizationUrls: URL[] = [];
  const provider: OAuthClientProvider = {
    get redirectUrl() { return redirectUrl; },
    get clientMetadata(): OAuthClientMetadata {
      return { client_name: clientName, redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
    },
    clientInformation: () => info,
    saveClientInformation: (i) => { info = i; },
    tokens: () => tokens,
    saveTokens: (t) => { tokens = t; },
    redirectToAuthorization: (url) => { authorizationUrls.push(url); },
    saveCodeVerifier: (v) => { verifier = v; },
    codeVerifier: () => verifier,
  };
  return {
    provider, codes, landed, authorizationUrls, redirectUrl,
    get tokens() { return tokens; },
    set tokens(t: OAuthTokens | undefined) { tokens = t; },
    get info() { return info; },
    close: () => new Promise<void>((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }),
  };
}
