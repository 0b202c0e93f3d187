import { createHash, randomBytes } from 'node:crypto';

const S256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * The MCP authorization flow without a browser, for a server on the computer's listener whose
 * apps are at `issuer` (http://127.0.0.1:PORT): register a public client, ask for a code, allow
 * it as the person at the computer (`computer` calls Latchkey's API with the desktop secret or
 * the loopback bypass), follow the browser's way back, and exchange the code. Real HTTP at
 * every step; only the consent click is an API call.
 */
export async function agentToken(issuer: string, resource: string, computer: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>) {
  const redirect = 'http://127.0.0.1:49152/callback';
  const registered = await fetch(`${issuer}/.latchkey/oauth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Bench agent', redirect_uris: [redirect], application_type: 'native', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }),
  });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${await registered.text()}`);
  const clientId = ((await registered.json()) as { client_id: string }).client_id;
  const verifier = randomBytes(32).toString('base64url');
  const asked = await fetch(`${issuer}/.latchkey/oauth/authorize?${new URLSearchParams({
    response_type: 'code', scope: 'mcp', state: 's', client_id: clientId, redirect_uri: redirect, code_challenge: S256(verifier), code_challenge_method: 'S256', resource,
  })}`, { redirect: 'manual' });
  const uid = new URL(asked.headers.get('location') ?? 'http://x/').searchParams.get('uid');
  if (asked.status !== 303 || !uid) throw new Error(`authorize: ${asked.status} ${await asked.text()}`);
  const cookies = asked.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const allowed = await computer('POST', `/.latchkey/api/agents/requests/${uid}/allow`);
  if (allowed.status !== 200) throw new Error(`allow: ${allowed.status} ${JSON.stringify(allowed.body)}`);
  const back = await fetch(allowed.body.return_to, { headers: { cookie: cookies }, redirect: 'manual' });
  const code = new URL(back.headers.get('location') ?? 'http://x/').searchParams.get('code');
  if (!code) throw new Error(`resume: ${back.status} ${back.headers.get('location')}`);
  const exchanged = await fetch(`${issuer}/.latchkey/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirect, resource }).toString(),
  });
  if (exchanged.status !== 200) throw new Error(`token: ${exchanged.status} ${await exchanged.text()}`);
  return { clientId, ...(await exchanged.json() as { access_token: string; refresh_token: string; expires_in: number }) };
}
