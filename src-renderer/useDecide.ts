import { startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'react';
import { api, ApiError, type Pending } from './api.ts';
import type { Status } from './useApi.ts';

/**
 * Approve-by-code and Deny, shared by the Pending page and the desktop's approval window. From a
 * passkey device (`fromDevice`), each approval first asks for a passkey check made for that request.
 */
export function useDecide(after: () => void | Promise<void>, fromDevice = false) {
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);

  async function act(p: Pending, action: 'approve' | 'deny', code?: string) {
    setBusy(true);
    try {
      let assertion: { ceremony_id: string; response: unknown } | undefined;
      if (fromDevice && action === 'approve') {
        const prepared = await api<{ ceremony_id: string; options: any }>('/auth/approve/options', { method: 'POST', body: { request_id: p.id } });
        assertion = { ceremony_id: prepared.ceremony_id, response: await startAuthentication({ optionsJSON: prepared.options }) };
      }
      await api(`/api/devices/${encodeURIComponent(p.id)}/${action}`, { method: 'POST', body: action === 'approve' ? { code, ...(assertion ? { assertion } : {}) } : undefined });
      setStatus(action === 'approve'
        ? { text: `Approved ${p.name}. It is signed in now.`, tone: 'ok' }
        : { text: `Denied ${p.name}. Nothing was stored.`, tone: 'info' });
      await after();
      return true;
    } catch (err) {
      // A wrong pick denies the request; the server's message says so and why.
      setStatus({ text: (err as Error).message, tone: 'bad' });
      if (err instanceof ApiError && err.code === 'code_mismatch') await after();
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { status, busy, pick: (p: Pending, code: string) => act(p, 'approve', code), deny: (p: Pending) => act(p, 'deny') };
}
