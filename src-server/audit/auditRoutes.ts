import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { parseDuration } from '../time/parseDuration.ts';
import { openEventStream } from '../web/openEventStream.ts';
import type { AuditLine } from './createAuditLog.ts';
import { describeAuditEvent } from './describeAuditEvent.ts';
import { readAuditAfter, readAuditPage } from './readAudit.ts';

const text = (max: number) => Type.Optional(Type.String({ minLength: 1, maxLength: max }));
const auditQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('info')])),
  method: text(64),
  device: text(64),
  origin: text(2048),
  /** A duration back from now ("1h", "7d") or an ISO time. */
  since: text(64),
  until: text(64),
}, { additionalProperties: false });
const streamQuery = Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });
const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

/** "1h" back from now, or an ISO 8601 time. */
function timeBound(value: string | undefined, field: string, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw new LatchkeyError('invalid_time', `${field}: "${value}" is not a valid time.`, 400, { field });
    return t;
  }
  return now - parseDuration(value, { field, min: 1000, max: 10 * 365 * 86_400_000 });
}

/** Settings → Activity, `latchkey audit` and `latchkey alerts`: reading the trail and the alarms. */
export function auditRoutes(api: FastifyInstance, s: Services) {
  const names = {
    device: (id: string) => s.store.get(id)?.name,
    token: (id: string) => s.tokens.find(id)?.name,
  };
  const shown = (e: AuditLine) => ({ ...e, text: describeAuditEvent(e, names) });

  api.get('/api/audit', { schema: { querystring: auditQuery } }, async (request) => {
    const q = request.query as { limit?: number; before?: number; outcome?: string; method?: string; device?: string; origin?: string; since?: string; until?: string };
    // Token uses batched in memory belong on the page too.
    s.audit.flush();
    const now = s.clock.now();
    const page = readAuditPage(s.audit.home, {
      limit: q.limit ?? 50, before: q.before, outcome: q.outcome, method: q.method, device: q.device, origin: q.origin,
      since: timeBound(q.since, 'since', now), until: timeBound(q.until, 'until', now),
    });
    return { ...page, events: page.events.map(shown) };
  });

  /**
   * New events as they are written (`event: audit`, `id:` its sequence number). With `after`
   * (or Last-Event-ID, on a reconnect), what was written since is sent first, from the files,
   * so nothing is lost or repeated across a dropped connection or a rotation.
   */
  api.get('/api/audit/stream', { schema: { querystring: streamQuery } }, async (request, reply) => {
    const lastId = Number(request.headers['last-event-id']);
    const after = (request.query as { after?: number }).after ?? (Number.isInteger(lastId) && lastId >= 0 ? lastId : undefined);
    const stream = openEventStream(request, reply);
    // Every line is sent once, in order: anything at or below the last sent number is skipped.
    let sent = after ?? 0;
    const send = (e: AuditLine) => {
      if (e.seq <= sent) return;
      sent = e.seq;
      stream.send('audit', shown(e), e.seq);
    };
    // Subscribe first, then catch up from the files; lines written meanwhile wait in the queue.
    const queued: AuditLine[] = [];
    let live = after === undefined;
    const onLine = (e: AuditLine) => (live ? send(e) : queued.push(e));
    s.audit.events.on('line', onLine);
    stream.onClose(() => s.audit.events.off('line', onLine));
    // An alert grows with repeats that are folded, not written as lines: the page hears of it all the same.
    const onAlerts = () => stream.send('alerts', {});
    s.alerts.events.on('changed', onAlerts);
    stream.onClose(() => s.alerts.events.off('changed', onAlerts));
    if (!live) {
      s.audit.flush();
      for (;;) {
        const batch = readAuditAfter(s.audit.home, sent, 1000);
        for (const e of batch) send(e);
        if (batch.length < 1000) break;
      }
      live = true;
      for (const e of queued) send(e);
    }
    stream.send('ready', { after: sent });
  });

  api.get('/api/alerts', async () => s.alerts.list());

  // Acknowledging hides the alarm, so it is done on the computer: a stolen phone session cannot silence it.
  api.post('/api/alerts/:id/ack', { schema: { params: idParams } }, async (request) => {
    const id = (request.params as { id: string }).id;
    if (!await s.alerts.acknowledge(id)) throw new LatchkeyError('alert_not_found', `No alert has id ${id}. See: latchkey alerts`, 404);
    s.audit.record({ outcome: 'info', method: 'alert-ack', alert_id: id, by: request.lk.via, ip: request.lk.ip });
    return { acknowledged: id };
  });

  api.post('/api/alerts/test', async () => s.alerts.webhook.sendTest());
}
