// The start-up and memory baseline for `npm run bench`: a bare Fastify server from the
// project's own node_modules, started the way `latchkey serve` is (node, one route, stdout line).
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening: http://127.0.0.1:${app.server.address().port}\n`);
