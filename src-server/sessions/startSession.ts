import type { Services } from '../app/Services.ts';
import type { GateReply } from '../gate/RequestContext.ts';
import type { TrustedDevice } from '../store/openPasskeyStore.ts';
import { clearEndedCookie, setSessionCookie } from './sessionCookies.ts';

/**
 * Signs `device` in on `origin`: a session cookie whose life depends on how the device proves
 * itself (a browser trusted through a fallback gets the short, unrefreshed fallback session).
 */
export async function startSession(s: Services, reply: GateReply, device: TrustedDevice, origin: string) {
  const fallback = device.kind === 'browser';
  setSessionCookie(reply, origin, await s.sessions.issue(device.id, origin, { fallback }), fallback);
  clearEndedCookie(reply, origin);
}
