import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** What the MCP server saw of each request, for tests to read (the gate must not pass its credentials on). */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/**
 * A real MCP server from the official TypeScript SDK (McpServer over the Streamable HTTP
 * transport, sessions on, SSE answers), on a loopback port: the app behind the gate in the
 * agents tests and the bench. Its tools: `add`, `echo`, `count` (sends progress notifications
 * on the SSE stream before its result) and `admin_reset` (for `deny_tools`).
 */
export async function startMcpServer(opts: { path?: string; json?: boolean } = {}) {
  const path = opts.path ?? '/mcp';
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const seen: SeenRequest[] = [];
  const calls: string[] = [];

  const newServer = () => {
    const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
    server.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => {
      calls.push('add');
      return { content: [{ type: 'text', text: String(a + b) }] };
    });
    server.registerTool('echo', { description: 'Says it back', inputSchema: { text: z.string() } }, async ({ text }) => {
      calls.push('echo');
      return { content: [{ type: 'text', text }] };
    });
    server.registerTool('count', { description: 'Counts to n, with progress', inputSchema: { n: z.number() } }, async ({ n }, extra) => {
      calls.push('count');
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= n; i++) {
        if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: n } });
      }
      return { content: [{ type: 'text', text: `counted to ${n}` }] };
    });
    server.registerTool('admin_reset', { description: 'Must never be reachable through the gate when denied' }, async () => {
      calls.push('admin_reset');
      return { content: [{ type: 'text', text: 'reset!' }] };
    });
    return server;
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if ((req.url ?? '').split('?')[0] !== path) {
      res.writeHead(404).end();
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (req.method !== 'POST' || sessionId !== undefined) {
        res.writeHead(sessionId ? 404 : 400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no such session' }, id: null }));
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: opts.json === true,
        onsessioninitialized: (id) => void transports.set(id, transport!),
      });
      transport.onclose = () => {
        if (transport!.sessionId) transports.delete(transport!.sessionId);
      };
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url, seen, calls, sessions: transports,
    async close() {
      for (const t of transports.values()) await t.close().catch(() => {});
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
