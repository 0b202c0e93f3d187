export const DEFAULT_LOCAL_URL = 'http://localhost:8787';

/** A refusal from the server, or a server we could not reach; `code` is stable. */
export class ClientError extends Error {
  constructor(readonly code: string, message: string, readonly status = 0) {
    super(message);
  }
}

/** `--base-url`, else LATCHKEY_URL, else the default local listener. */
export function resolveBaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flag ?? env.LATCHKEY_URL ?? DEFAULT_LOCAL_URL;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    return url.origin;
  } catch {
    throw new ClientError('invalid_base_url', `"${raw}" is not an http(s) URL`);
  }
}

/**
 * The local listener's HTTP API, as the CLI (and the desktop shell) use it. The server is
 * the only writer of the home folder; every change goes through here.
 */
export function createLatchkeyClient(baseUrl: string) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new ClientError('unreachable', `cannot reach the Latchkey server at ${baseUrl} (is "latchkey serve" running?)`);
    }
    const data = await res.json().catch(() => null) as { error?: string; message?: string } | null;
    if (!res.ok) {
      throw new ClientError(data?.error ?? 'http_error', data?.message ?? `the server answered ${res.status}`, res.status);
    }
    return data as T;
  }
  const id = (value: string) => encodeURIComponent(value);
  return {
    whoami: () => call<Record<string, unknown>>('GET', '/api/whoami'),
    devices: () => call<{ devices: Record<string, unknown>[] }>('GET', '/api/devices'),
    pending: () => call<{ pending: Record<string, unknown>[] }>('GET', '/api/devices/pending'),
    approve: (requestId: string) => call<Record<string, unknown>>('POST', `/api/devices/${id(requestId)}/approve`),
    deny: (requestId: string) => call<Record<string, unknown>>('POST', `/api/devices/${id(requestId)}/deny`),
    revoke: (deviceId: string) => call<Record<string, unknown>>('DELETE', `/api/devices/${id(deviceId)}`),
    origins: () => call<{ origins: string[] }>('GET', '/api/origins'),
    addOrigin: (origin: string) => call<{ origin: string; added: boolean }>('POST', '/api/origins', { origin }),
    removeOrigin: (origin: string) => call<{ origin: string }>('POST', '/api/origins/remove', { origin }),
  };
}
