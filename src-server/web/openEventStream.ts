import type { FastifyReply, FastifyRequest } from 'fastify';

// Proxies and tunnels close idle connections; a comment line now and then keeps a stream open.
const HEARTBEAT_MS = 25_000;

/**
 * Turns a gated request into a server-sent-event stream. The gate (and its Origin check
 * for streams) has already run; from here the response is written by hand.
 */
export function openEventStream(request: FastifyRequest, reply: FastifyReply) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // nginx (and proxies like it) would otherwise hold the stream back in a buffer.
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const closers: Array<() => void> = [() => clearInterval(beat)];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const c of closers) c();
  };
  request.raw.once('close', close);
  res.once('close', close);
  return {
    /** One event; with `id`, a reconnecting EventSource sends it back as Last-Event-ID. */
    send: (event: string, data: unknown, id?: number | string) =>
      res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    end: () => res.end(),
    onClose: (fn: () => void) => closers.push(fn),
  };
}
