import { isIP } from 'node:net';
import type { ConfigFile } from '../config/configSchema.ts';
import { ConfigError } from '../errors/LatchkeyError.ts';
import { parseDuration } from '../time/parseDuration.ts';

/** Everything a webhook can be told; each can be switched off in config.json. */
export const WEBHOOK_EVENTS = ['alert.spike', 'device.pending', 'device.approved', 'device.revoked', 'fallback.backup_code_used', 'key.expiring'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number] | 'test';

export interface AlertSettings {
  failuresPerClient: number;
  failuresTotal: number;
  windowMs: number;
  webhook: { url: string; secret: string; events: Set<string> } | null;
}

/** fail2ban's and Authelia's neighbourhood: 10 from one client, or 30 in all, within 5 minutes. */
export const DEFAULT_ALERTS = { failuresPerClient: 10, failuresTotal: 30, windowMs: 5 * 60_000 };

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The `alerts` of config.json, checked once at start-up: a webhook must be https (plain
 * http only to a loopback receiver), and its secret a Standard Webhooks `whsec_` key.
 */
export function alertsFromConfig(config: ConfigFile['alerts'], file = 'config.json'): AlertSettings {
  let windowMs = DEFAULT_ALERTS.windowMs;
  if (config?.window) {
    try {
      windowMs = parseDuration(config.window, { field: 'alerts.window', min: 10_000, max: 24 * 3600_000 });
    } catch (err) {
      throw new ConfigError(`${file}: ${(err as Error).message}`);
    }
  }
  let webhook: AlertSettings['webhook'] = null;
  if (config?.webhook) {
    let url: URL | null = null;
    try {
      url = new URL(config.webhook.url);
    } catch { /* reported below */ }
    const loopbackHttp = url?.protocol === 'http:' && (LOOPBACK_HOSTS.has(url.hostname) || (isIP(url.hostname) === 4 && url.hostname.startsWith('127.')));
    if (!url || !(url.protocol === 'https:' || loopbackHttp) || url.username || url.password) {
      throw new ConfigError(`${file}: "alerts.webhook.url" must be an https:// URL (plain http only to 127.0.0.1 or localhost), without user or password`);
    }
    if (!/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(config.webhook.secret)) {
      throw new ConfigError(`${file}: "alerts.webhook.secret" must be a Standard Webhooks secret: whsec_ followed by base64 (e.g. from: openssl rand -base64 32)`);
    }
    const off = Object.entries(config.webhook.events ?? {});
    for (const [name] of off) {
      if (!(WEBHOOK_EVENTS as readonly string[]).includes(name)) {
        throw new ConfigError(`${file}: "alerts.webhook.events" has unknown event "${name}"; known: ${WEBHOOK_EVENTS.join(', ')}`);
      }
    }
    const events = new Set<string>(WEBHOOK_EVENTS.filter((e) => config.webhook!.events?.[e] !== false));
    webhook = { url: url.href, secret: config.webhook.secret, events };
  }
  return {
    failuresPerClient: config?.failures_per_client ?? DEFAULT_ALERTS.failuresPerClient,
    failuresTotal: config?.failures_total ?? DEFAULT_ALERTS.failuresTotal,
    windowMs,
    webhook,
  };
}
