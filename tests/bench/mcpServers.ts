// The processes the MCP row of `npm run bench` measures: with `upstream`, the SDK's MCP server
// (McpServer over Streamable HTTP, SSE answers); with `gate URL`, a Latchkey in front of it as an
// MCP app (loopback bypass off, so every call is judged by its token) and an OAuth token for it,
// got through the real authorization flow. Each prints one JSON line, then runs until stdin closes.
import { agentToken } from '../helpers/agentToken.ts';
import { startMcpServer } from '../helpers/startMcpServer.ts';
import { startServer } from '../helpers/startServer.ts';

const [role, upstream] = process.argv.slice(2);
let close: () => Promise<unknown>;
if (role === 'upstream') {
  const mcp = await startMcpServer();
  close = mcp.close;
  process.stdout.write(`${JSON.stringify({ url: `${mcp.url}/mcp`, pid: process.pid })}\n`);
} else {
  const DESKTOP = 'bench-desktop-secret';
  const server = await startServer({ desktopSecret: DESKTOP, config: { loopback_auth_bypass: false, apps: [{ name: 'tools', upstream, path: '/mcp', mcp: true }] } });
  const issuer = `http://127.0.0.1:${server.localPort}`;
  const computer = (method: string, path: string, body?: unknown) => server.api(method, path, body, { 'x-latchkey-desktop': DESKTOP });
  const token = await agentToken(issuer, `${issuer}/mcp`, computer);
  close = server.close;
  process.stdout.write(`${JSON.stringify({ url: `${issuer}/mcp`, token: token.access_token, pid: process.pid })}\n`);
}
process.stdin.resume();
process.stdin.on('end', async () => {
  await close();
  process.exit(0);
});
