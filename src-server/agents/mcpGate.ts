import type { IncomingMessage } from 'node:http';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { McpSpec } from '../apps/parseApp.ts';
import { MCP_SCOPE } from './createOAuthServer.ts';

/** Where an MCP app's Protected Resource Metadata (RFC 9728) lives, and what its resource indicator is. */
export const PRM_PREFIX = '/.well-known/oauth-protected-resource';
export const resourceOf = (origin: string, app: { path: string }) => `${origin}${app.path || '/'}`;
export const metadataUrlOf = (origin: string, app: { path: string }) => `${origin}${PRM_PREFIX}${app.path}`;

/**
 * The 401 an agent meets without a usable credential (MCP authorization, RFC 9728 §5.1): it
 * names where the app's metadata is, so the client can find Latchkey's authorization server.
 */
export function mcpChallenge(origin: string, app: { name: string; path: string }, problem?: 'invalid_token'): LatchkeyError {
  const params = [`resource_metadata="${metadataUrlOf(origin, app)}"`, `scope="${MCP_SCOPE}"`];
  if (problem) params.unshift('error="invalid_token"');
  return new LatchkeyError(problem ?? 'auth_required',
    problem
      ? `This token is not valid for "${app.name}": it expired, was revoked, or was never issued here. Sign the agent in again.`
      : `"${app.name}" is an MCP server behind Latchkey: send an API key (Authorization: Bearer lk_sk_…) with app:${app.name}, or sign in through OAuth (see the resource metadata).`,
    401, { resource_metadata: metadataUrlOf(origin, app) }, { 'www-authenticate': `Bearer ${params.join(', ')}` });
}

/** A token bound to another app (RFC 8707 audience) is refused, naming the app it was meant for. */
export function wrongAudience(app: { name: string }, resource: string): LatchkeyError {
  return new LatchkeyError('token_wrong_app', `This agent's token was issued for ${resource}, not for "${app.name}".`, 403, {},
    { 'www-authenticate': 'Bearer error="invalid_token", error_description="audience"' });
}

/** One `tools/call` in a request body: its JSON-RPC id and the tool's name. */
export interface ToolCall {
  id: string | number | null;
  name: string;
}

/**
 * Reads a POST body to an MCP app, bounded (`maxBody`), to learn the tools it calls. Only the
 * request is read, never the response stream, so SSE answers pass untouched and other messages
 * wait for nothing but their own body. Returns the body to forward and the calls found (none
 * for a body that is not JSON-RPC: the app answers it as it would).
 */
export async function readToolCalls(req: IncomingMessage, mcp: McpSpec): Promise<{ body: Buffer; calls: ToolCall[] }> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > mcp.maxBody) throw tooLarge(mcp.maxBody);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > mcp.maxBody) throw tooLarge(mcp.maxBody);
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks, size);
  return { body, calls: toolCallsIn(body) };
}

function tooLarge(max: number) {
  return new LatchkeyError('mcp_body_too_large', `A JSON-RPC request to an MCP app may be at most ${max} bytes (mcp.max_body).`, 413, { max_body: max });
}

function toolCallsIn(body: Buffer): ToolCall[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const calls: ToolCall[] = [];
  for (const m of messages) {
    const msg = m as { method?: unknown; id?: unknown; params?: { name?: unknown } } | null;
    if (!msg || msg.method !== 'tools/call') continue;
    const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : null;
    calls.push({ id, name: typeof msg.params?.name === 'string' ? msg.params.name : '' });
  }
  return calls;
}

/** Whether `deny_tools` refuses a tool: an exact name, or a prefix written `NAME*`. */
export function isDeniedTool(name: string, deny: readonly string[]): boolean {
  return deny.some((d) => (d.endsWith('*') ? name.startsWith(d.slice(0, -1)) : name === d));
}

/** The JSON-RPC answer for a body with a denied call: an error for each request in it, none sent to the app. */
export function deniedAnswer(body: Buffer, calls: ToolCall[], deny: readonly string[], app: string): string {
  const denied = calls.filter((c) => isDeniedTool(c.name, deny));
  const error = (c: ToolCall) => ({
    jsonrpc: '2.0', id: c.id,
    error: isDeniedTool(c.name, deny)
      ? { code: -32001, message: `The tool "${c.name}" is refused by Latchkey for "${app}" (mcp.deny_tools).`, data: { error: 'mcp_tool_denied', tool: c.name } }
      : { code: -32001, message: `Not sent: the batch also called a refused tool (${denied.map((d) => d.name).join(', ')}).`, data: { error: 'mcp_batch_refused' } },
  });
  const batch = body.toString('utf8').trimStart().startsWith('[');
  return JSON.stringify(batch ? calls.map(error) : error(calls[0]!));
}
