import { EventEmitter } from 'node:events';
import type { AuditLine, AuditLog } from '../audit/createAuditLog.ts';
import type { LatchkeyConfig } from '../config/loadConfig.ts';
import type { FallbackService } from '../fallbacks/createFallbackService.ts';
import { sendMail } from '../mail/sendMail.ts';
import type { TokenService } from '../tokens/createTokenService.ts';
import type { AlertSettings } from './alertsFromConfig.ts';
import { createSpikeDetector, describeAlert } from './createSpikeDetector.ts';
import { createWebhookSender } from './createWebhookSender.ts';
import type { AlertStore, SpikeAlert } from './openAlertStore.ts';

// Expiring keys are looked for at start and then this often.
const EXPIRY_CHECK_MS = 12 * 3600_000;
// During a flood, an open alert's counts reach the disk at most this often.
const UPDATE_WRITE_MS = 1_000;

export type AlertService = ReturnType<typeof createAlertService>;

/**
 * Turns the audit stream into alarms: failure spikes (one alert per window, shown on the
 * desktop and the home page until acknowledged), webhook events for devices, backup codes
 * and expiring keys, and one mail per API key 25 days before it expires. Everything reads
 * the audit lines as written, so what alarms is exactly what the trail shows.
 */
export function createAlertService(deps: {
  settings: AlertSettings; store: AlertStore; audit: AuditLog; tokens: TokenService; fallbacks: FallbackService;
  config: LatchkeyConfig; now: () => number; deviceName: (id: string) => string | undefined;
  webhookOpts?: Parameters<typeof createWebhookSender>[2];
}) {
  const { settings, store } = deps;
  const events = new EventEmitter();
  const webhook = createWebhookSender(store, settings.webhook, deps.webhookOpts);
  let updateTimer: NodeJS.Timeout | null = null;

  const writeUpdate = () => {
    updateTimer = null;
    const alert = detector.snapshot();
    if (!alert) return;
    void store.change((d) => {
      const i = d.alerts.findIndex((a) => a.id === alert.id);
      if (i >= 0) d.alerts[i] = { ...alert, acknowledged_at: d.alerts[i]!.acknowledged_at };
    });
    events.emit('changed');
  };

  const detector = createSpikeDetector(settings, {
    opened(alert) {
      void store.change((d) => { d.alerts.push(alert); });
      const text = describeAlert(alert, settings.windowMs);
      events.emit('alert', alert, text);
      events.emit('changed');
      webhook.enqueue('alert.spike', { ...alert, text });
    },
    updated() {
      updateTimer ??= setTimeout(writeUpdate, UPDATE_WRITE_MS).unref();
    },
  });

  const name = (id: unknown) => (typeof id === 'string' ? deps.deviceName(id) : undefined);
  const onLine = (e: AuditLine) => {
    detector.see(e);
    const base = { time: e.time, origin: e.origin ?? null, ip: e.ip ?? null };
    if (e.reason === 'pending_approval') webhook.enqueue('device.pending', { ...base, request_id: e.request_id, method: e.method });
    else if (e.method === 'approve') webhook.enqueue('device.approved', { ...base, device_id: e.device_id, name: name(e.device_id), kind: e.kind ?? 'passkey' });
    else if (e.method === 'revoke') webhook.enqueue('device.revoked', { ...base, device_id: e.device_id, by: e.revoked_by });
    else if (e.method === 'fallback-backup-code' && e.outcome === 'success') {
      webhook.enqueue('fallback.backup_code_used', { ...base, device_id: e.device_id, name: name(e.device_id), codes_left: e.codes_left ?? null });
    }
  };
  deps.audit.events.on('line', onLine);
  // Repeats the trail folds into one line are still failures, each counted as it happens.
  const onFolded = (e: AuditLine) => detector.see(e);
  deps.audit.events.on('folded', onFolded);

  /** One mail and one webhook event per API key within 25 days of expiry, ever. */
  async function checkExpiringKeys() {
    const address = deps.fallbacks.emailAddress();
    for (const t of deps.tokens.list()) {
      if (t.kind !== 'api_key' || deps.tokens.statusOf(t) !== 'expiring' || store.data().expiry_notified[t.id]) continue;
      const days = Math.max(0, Math.ceil((Date.parse(t.expires_at) - deps.now()) / 86_400_000));
      await store.change((d) => { d.expiry_notified[t.id] = new Date(deps.now()).toISOString(); });
      webhook.enqueue('key.expiring', { token_id: t.id, name: t.name, expires_at: t.expires_at, days_left: days });
      if (deps.config.smtp && address) {
        await sendMail(deps.config.smtp, {
          to: address,
          subject: `Latchkey: API key "${t.name}" expires in ${days} days`,
          text: `The API key "${t.name}" (${t.id}) expires on ${t.expires_at}, in ${days} days.\n\nRotate it before then: latchkey keys rotate ${t.id}\n(or Latchkey → API keys on the computer). Scripts using it stop working when it expires.`,
        }).catch(() => { /* the webhook and the desktop notice still tell; the mail is best effort */ });
      }
    }
  }
  const expiryTimer = setInterval(() => void checkExpiringKeys(), EXPIRY_CHECK_MS).unref();

  return {
    events,
    webhook,
    checkExpiringKeys,
    describe: (alert: SpikeAlert) => describeAlert(alert, settings.windowMs),
    list() {
      const alerts = [...store.data().alerts].reverse().map((a) => ({ ...a, text: describeAlert(a, settings.windowMs) }));
      return {
        alerts,
        unacknowledged: alerts.filter((a) => !a.acknowledged_at).length,
        deliveries: [...store.data().deliveries].reverse().map(({ body: _body, ...d }) => d),
        // Only the receiver's origin: hook URLs often carry their own secret in the path (Slack, Discord).
        webhook: { configured: webhook.configured(), disabled: webhook.disabled(), url: settings.webhook ? new URL(settings.webhook.url).origin : null },
        thresholds: { failures_per_client: settings.failuresPerClient, failures_total: settings.failuresTotal, window_s: settings.windowMs / 1000 },
      };
    },
    async acknowledge(id: string): Promise<boolean> {
      if (!store.data().alerts.some((a) => a.id === id)) return false;
      await store.change((d) => {
        const a = d.alerts.find((x) => x.id === id)!;
        a.acknowledged_at ??= new Date(deps.now()).toISOString();
      });
      events.emit('changed');
      return true;
    },
    async close() {
      deps.audit.events.off('line', onLine);
      deps.audit.events.off('folded', onFolded);
      clearInterval(expiryTimer);
      if (updateTimer) {
        clearTimeout(updateTimer);
        writeUpdate();
      }
      webhook.close();
      await store.settled();
    },
  };
}
