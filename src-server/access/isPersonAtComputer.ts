import type { RequestContext } from '../gate/RequestContext.ts';

/**
 * The one answer to "is this the person sitting at the computer?", asked wherever that
 * person may do more than a remote browser: enrol a passkey that is trusted at once, see
 * the pair prompt as the owner, skip the approval queue. True on the local listener only,
 * and only for a request the gate let in as:
 * - `loopback`: the bypass (loopback peer, loopback Host, no forwarding header);
 * - `desktop`: the desktop app's per-launch secret;
 * - `session`: a passkey session for the localhost origin, which only a passkey enrolled or
 *   approved at the computer can have. A browser trusted through a fallback (no passkey) is
 *   not the person, even there: a password or a backup code is weaker proof than a passkey.
 * A bearer token is never the person: it is a script, whoever made it. Nor is anything on an
 * origin that serves an app (the local app origin is the IP one: see createAppRegistry).
 */
export function isPersonAtComputer(request: { lk: RequestContext }): boolean {
  // On an origin that serves an app, the app's scripts share every ambient credential: never the person there.
  return request.lk.principal === 'computer' && !request.lk.servesApps;
}
