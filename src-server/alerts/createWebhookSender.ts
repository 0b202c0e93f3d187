import { randomBytes } from 'node:crypto';
import type { Webhook } from 'standardwebhooks';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { AlertSettings, WebhookEventType } from './alertsFromConfig.ts';
import type { AlertStore, Delivery } from './openAlertStore.ts';

/** Backoff between attempts; delivery gives up once an hour has passed since the event. */
export const RETRY_SCHEDULE_MS = [10_000, 30_000, 60_000, 5 * 60_000, 10 * 60_000, 20 * 60_000, 30 * 60_000];
export const GIVE_UP_AFTER_MS = 3600_000;
const TIMEOUT_MS = 10_000;

export type WebhookSender = ReturnType<typeof createWebhookSender>;

/**
 * Delivers events to the configured webhook, signed per Standard Webhooks (the
 * `standardwebhooks` package): `webhook-id`, `webhook-timestamp`, `webhook-signature:
 * v1,<base64 HMAC-SHA256 of id.timestamp.body>`. Delivery never holds up a request (it is
 * queued), has a 10 s timeout, never follows a redirect, retries with backoff for up to an
 * hour (the queue lives in alerts.json, so it survives a restart), and stops for good when
 * the receiver answers 410 Gone. Times here are wall-clock: receivers check them.
 */
export function createWebhookSender(store: AlertStore, webhook: AlertSettings['webhook'], opts: { retryMs?: number[]; giveUpAfterMs?: number } = {}) {
  const schedule = opts.retryMs ?? RETRY_SCHEDULE_MS;
  const giveUpAfter = opts.giveUpAfterMs ?? GIVE_UP_AFTER_MS;
  // Loaded with the first delivery: most installs have no webhook.
  let signer: Webhook | undefined;
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  const disabled = () => webhook !== null && store.data().webhook_disabled?.url === webhook.url;

  /** One POST; the outcome as an attempt record. */
  async function post(d: Delivery): Promise<{ status?: number; error?: string }> {
    signer ??= new (await import('standardwebhooks')).Webhook(webhook!.secret);
    const at = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Latchkey-Webhook/1',
      'webhook-id': d.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(d.id, at, d.body),
    };
    try {
      const res = await fetch(webhook!.url, { method: 'POST', headers, body: d.body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
      await res.body?.cancel();
      return { status: res.status };
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      return { error: e.name === 'TimeoutError' ? 'timeout' : e.cause?.code ?? 'network_error' };
    }
  }

  async function attempt(id: string) {
    timers.delete(id);
    const d = store.data().deliveries.find((x) => x.id === id);
    if (!d || d.state !== 'pending' || closed) return;
    if (disabled()) {
      await store.change((data) => { data.deliveries.find((x) => x.id === id)!.state = 'disabled'; });
      return;
    }
    const result = await post(d);
    const now = Date.now();
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    const gone = result.status === 410;
    const tries = d.attempts.length + 1;
    const next = schedule[tries - 1];
    const tooLate = next === undefined || now + next - Date.parse(d.created_at) > giveUpAfter;
    await store.change((data) => {
      const live = data.deliveries.find((x) => x.id === id)!;
      live.attempts.push({ at: new Date(now).toISOString(), ...result });
      live.state = ok ? 'delivered' : gone ? 'disabled' : tooLate ? 'gave_up' : 'pending';
      live.next_at = live.state === 'pending' ? new Date(now + next!).toISOString() : null;
      if (gone) {
        data.webhook_disabled = { url: webhook!.url, at: new Date(now).toISOString() };
        for (const other of data.deliveries) if (other.state === 'pending') other.state = 'disabled';
      }
    });
    const live = store.data().deliveries.find((x) => x.id === id);
    if (live?.state === 'pending') arm(live);
  }

  function arm(d: Delivery) {
    if (closed) return;
    const wait = Math.max(0, Date.parse(d.next_at ?? d.created_at) - Date.now());
    clearTimeout(timers.get(d.id));
    timers.set(d.id, setTimeout(() => void attempt(d.id), wait).unref());
  }

  // Deliveries still pending from before a restart carry on where they were.
  if (webhook) for (const d of store.data().deliveries) if (d.state === 'pending') arm(d);

  const newDelivery = (type: WebhookEventType, data: unknown): Delivery => {
    const id = `msg_${randomBytes(12).toString('base64url')}`;
    const created = new Date().toISOString();
    return { id, type, created_at: created, body: JSON.stringify({ type, timestamp: created, data }), attempts: [], state: 'pending', next_at: created };
  };

  return {
    configured: () => webhook !== null,
    disabled,
    /** Queues an event; returns at once. Nothing happens if no webhook is set, the type is switched off, or the receiver said 410. */
    enqueue(type: WebhookEventType, data: unknown) {
      if (!webhook || !webhook.events.has(type) || disabled() || closed) return;
      const d = newDelivery(type, data);
      void store.change((s) => { s.deliveries.push(d); }).then(() => void attempt(d.id));
    },

    /** `latchkey alerts test`: one signed test event, now, and what the receiver answered. */
    async sendTest() {
      if (!webhook) {
        throw new LatchkeyError('webhook_not_configured', 'No webhook is set: add "alerts": { "webhook": { "url": "https://…", "secret": "whsec_…" } } to config.json and restart Latchkey.', 409);
      }
      const d = newDelivery('test', { message: 'Latchkey webhook test' });
      const result = await post(d);
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
      await store.change((s) => {
        s.deliveries.push({ ...d, attempts: [{ at: new Date().toISOString(), ...result }], state: ok ? 'delivered' : 'failed', next_at: null });
      });
      return { id: d.id, url: new URL(webhook.url).origin, ...result, delivered: ok };
    },

    close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
