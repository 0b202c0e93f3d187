import type { ShareView } from '../shares/shareRoutes.ts';
import type { OAuthServer } from '../agents/createOAuthServer.ts';

/** An agent (OAuth client) as `GET /api/clients` lists it. */
export type AgentClientView = ReturnType<OAuthServer['clients']>[number];
/** An agent allowed from a phone, waiting for the computer to type its code. */
export type WaitingAgentView = ReturnType<OAuthServer['waitingList']>[number];
import { lk } from '../web/latchkeyPaths.ts';
import { ClientError } from './ClientError.ts';

export { ClientError };

export const DEFAULT_LOCAL_URL = 'http://localhost:8787';

/**
 * `--base-url`, else LATCHKEY_URL, else the server running on this home folder (its
 * `server.lock` names its local listener, whatever port it took), else the default port.
 */
export function resolveBaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, running?: () => string | undefined): string {
  const raw = flag ?? (env.LATCHKEY_URL || undefined) ?? running?.() ?? DEFAULT_LOCAL_URL;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    return url.origin;
  } catch {
    throw new ClientError('invalid_base_url', `"${raw}" is not an http(s) URL`);
  }
}

export interface ClientOptions {
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  /** Called with a server's `Warning` header (e.g. a key that expires soon). */
  onWarning?: (text: string) => void;
}

export interface TunnelStatus {
  running: boolean;
  tunnel: { tool: string; mode: string; url: string; started_at: string; added_origin: boolean; qr: string } | null;
  last_end: string | null;
  tools: Record<'tailscale' | 'cloudflared', { installed: boolean; version?: string }>;
  remote_port: number;
}

export interface AppView {
  name: string;
  /** Where it listens; null for a caller away from the computer (a phone's launcher). */
  upstream: string | null;
  path: string;
  /** Where the caller opens it: on the computer, the local app origin (http://127.0.0.1:PORT/…). */
  url: string | null;
  origins: string[] | null;
  public_paths: string[];
  host_header: string | null;
  health?: 'up' | 'down';
  source?: 'config' | 'flag';
}

type MethodStatus = { enabled: boolean; last_used_at: string | null };
export interface FallbackStatus {
  backup_codes: MethodStatus & { left: number; created_at: string | null };
  totp: MethodStatus & { enrolling: boolean };
  password: MethodStatus & { set_at: string | null; with_totp: boolean };
  email: MethodStatus & { address: string | null; smtp_configured: boolean };
}

export type AuditEventView = Record<string, unknown> & { seq: number; time: string; outcome: string; method: string; text: string; ip?: string; reason?: string };
export interface AlertsView {
  alerts: Array<{ id: string; started_at: string; ends_at: string; failures: number; clients: Array<{ ip: string; failures: number }>; origins: string[]; acknowledged_at: string | null; text: string }>;
  unacknowledged: number;
  deliveries: Array<{ id: string; type: string; created_at: string; state: string; attempts: Array<{ at: string; status?: number; error?: string }>; next_at: string | null }>;
  webhook: { configured: boolean; disabled: boolean; url: string | null };
  thresholds: { failures_per_client: number; failures_total: number; window_s: number };
}

export type KeyView = Record<string, unknown> & { id: string; name: string; kind: string; scopes: string[]; apps?: string[]; status: string; expires_at: string; expires_in_days: number };

/**
 * The Latchkey HTTP API, as the CLI (and the desktop shell) use it. The server is the only
 * writer of the home folder; every change goes through here.
 */
export function createLatchkeyClient(baseUrl: string, opts: ClientOptions = {}) {
  async function call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && opts.token) headers.authorization = `Bearer ${opts.token}`;
    let res: Response;
    try {
      // Every call is to Latchkey's own API, which lives under its reserved prefix.
      res = await fetch(`${baseUrl}${lk(path)}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new ClientError('unreachable', `cannot reach the Latchkey server at ${baseUrl} (is "latchkey serve" running?)`);
    }
    const warning = res.headers.get('warning');
    if (warning && opts.onWarning) opts.onWarning(warning.replace(/^299 latchkey "(.*)"$/, '$1'));
    const data = await res.json().catch(() => null) as ({ error?: string; message?: string } & Record<string, unknown>) | null;
    if (!res.ok) {
      throw new ClientError(data?.error ?? 'http_error', data?.message ?? `the server answered ${res.status}`, res.status, data ?? {});
    }
    return data as T;
  }
  const id = (value: string) => encodeURIComponent(value);
  return {
    baseUrl,
    call,
    whoami: () => call<Record<string, any>>('GET', '/api/whoami'),
    devices: () => call<{ devices: Record<string, unknown>[] }>('GET', '/api/devices'),
    pending: () => call<{ pending: Record<string, unknown>[] }>('GET', '/api/devices/pending'),
    approve: (requestId: string, code: string) => call<Record<string, unknown>>('POST', `/api/devices/${id(requestId)}/approve`, { code }),
    approveByCode: (code: string) => call<Record<string, unknown>>('POST', '/api/devices/pending/approve', { code }),
    deny: (requestId: string) => call<Record<string, unknown>>('POST', `/api/devices/${id(requestId)}/deny`),
    revoke: (deviceId: string) => call<Record<string, unknown>>('DELETE', `/api/devices/${id(deviceId)}`),
    origins: () => call<{ origins: string[] }>('GET', '/api/origins'),
    addOrigin: (origin: string) => call<{ origin: string; added: boolean }>('POST', '/api/origins', { origin }),
    removeOrigin: (origin: string) => call<{ origin: string }>('POST', '/api/origins/remove', { origin }),
    keys: (all = false) => call<{ keys: KeyView[] }>('GET', `/api/keys${all ? '?all=1' : ''}`),
    createKey: (body: { name: string; scopes?: string[]; expires_in?: string }) =>
      call<{ key: KeyView; secret: string }>('POST', '/api/keys', body),
    rotateKey: (keyId: string, grace?: string) =>
      call<{ key: KeyView; secret: string; previous_valid_until: string | null }>('POST', `/api/keys/${id(keyId)}/rotate`, grace === undefined ? {} : { grace }),
    revokeKey: (keyId: string) => call<{ revoked: string }>('DELETE', `/api/keys/${id(keyId)}`),
    revokeCurrentToken: () => call<{ revoked: string }>('DELETE', '/api/tokens/current'),
    tunnelStatus: () => call<TunnelStatus>('GET', '/api/tunnel'),
    tunnelStart: (body: { tool: string; funnel?: boolean; name?: string; hostname?: string }) =>
      call<{ tool: string; mode: string; url: string; added_origin: boolean; admin_url?: string | null; admin_problem?: string | null }>('POST', '/api/tunnel/start', body),
    tunnelStop: () => call<{ stopped: string; removed_origin: boolean }>('POST', '/api/tunnel/stop'),
    shares: () => call<{ shares: ShareView[] }>('GET', '/api/shares'),
    createShare: (body: { app: string; name: string; from?: string; expires_in?: string }) =>
      call<{ share: ShareView; link: string }>('POST', '/api/shares', body),
    relinkShare: (shareId: string) => call<{ share: ShareView; link: string }>('POST', `/api/shares/${id(shareId)}/link`),
    revokeShare: (shareId: string) => call<{ revoked: string; share: ShareView }>('DELETE', `/api/shares/${id(shareId)}`),
    agents: () => call<{ clients: AgentClientView[] }>('GET', '/api/clients'),
    waitingAgents: () => call<{ waiting: WaitingAgentView[] }>('GET', '/api/agents/waiting'),
    approveAgent: (uid: string, code: string) => call<{ approved: boolean }>('POST', `/api/agents/waiting/${id(uid)}/approve`, { code }),
    setApproveNewAgents: (enabled: boolean) => call<{ approve_new_agents: 'from_phone' | 'never' }>('PUT', '/api/settings/approve-new-agents', { enabled }),
    revokeAgent: (clientId: string) => call<{ revoked: string }>('DELETE', `/api/clients/${id(clientId)}`),
    setApproveFromDevices: (enabled: boolean) => call<{ approve_from_devices: boolean }>('PUT', '/api/settings/approve-from-devices', { enabled }),
    apps: () => call<{ apps: AppView[] }>('GET', '/api/apps'),
    addApp: (body: { name: string; upstream: string; path?: string }) => call<{ app: AppView; added: boolean }>('POST', '/api/apps', body),
    removeApp: (name: string) => call<{ removed: string }>('DELETE', `/api/apps/${id(name)}`),
    fallbacks: () => call<FallbackStatus>('GET', '/api/fallbacks'),
    backupCodes: () => call<{ codes: string[]; message: string }>('POST', '/api/fallbacks/backup-codes'),
    totpEnable: () => call<{ uri: string; secret: string }>('POST', '/api/fallbacks/totp'),
    totpConfirm: (code: string) => call<Record<string, unknown>>('POST', '/api/fallbacks/totp/confirm', { code }),
    setPassword: (password: string) => call<Record<string, unknown>>('PUT', '/api/fallbacks/password', { password }),
    setEmail: (address: string) => call<Record<string, unknown>>('PUT', '/api/fallbacks/email', { address }),
    audit: (query: Record<string, string | number | undefined>) => {
      const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
      return call<{ events: AuditEventView[]; next_before: number | null; skipped_lines: number }>('GET', `/api/audit?${params}`);
    },
    alerts: () => call<AlertsView>('GET', '/api/alerts'),
    ackAlert: (alertId: string) => call<{ acknowledged: string }>('POST', `/api/alerts/${id(alertId)}/ack`),
    alertsTest: () => call<{ url: string; status?: number; error?: string; delivered: boolean }>('POST', '/api/alerts/test'),
    /** The live audit stream (server-sent events) from `after` on; yields each event until the signal aborts. */
    async *followAudit(after: number | undefined, signal: AbortSignal): AsyncGenerator<AuditEventView> {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let res: Response;
      try {
        res = await fetch(`${baseUrl}${lk('/api/audit/stream')}${after !== undefined ? `?after=${after}` : ''}`, { headers, signal });
      } catch {
        throw new ClientError('unreachable', `cannot reach the Latchkey server at ${baseUrl} (is "latchkey serve" running?)`);
      }
      if (!res.ok || !res.body) {
        const data = await res.json().catch(() => null) as { error?: string; message?: string } | null;
        throw new ClientError(data?.error ?? 'http_error', data?.message ?? `the server answered ${res.status}`, res.status);
      }
      let buffer = '';
      const decoder = new TextDecoder();
      try {
        const reader = res.body.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event === 'audit' && data) yield JSON.parse(data) as AuditEventView;
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        throw new ClientError('stream_ended', `the audit stream from ${baseUrl} ended: ${(err as Error).message}`);
      }
    },
    disableFallback: (method: string) => call<{ disabled: string }>('DELETE', `/api/fallbacks/${id(method)}`),
  };
}

export type LatchkeyClient = ReturnType<typeof createLatchkeyClient>;
