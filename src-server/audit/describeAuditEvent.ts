import { revealHidden } from '../text/revealHidden.ts';
import type { AuditLine } from './createAuditLog.ts';

/** Names for ids, looked up when a line is shown (a device renamed or removed since keeps its line). */
export interface AuditNames {
  device(id: string): string | undefined;
  token(id: string): string | undefined;
}

const FALLBACKS: Record<string, string> = {
  'backup-code': 'a backup code', totp: 'an authenticator code', password: 'a password', email: 'an email link',
};

const hostOf = (origin: unknown) => {
  if (typeof origin !== 'string') return '';
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
};

/**
 * One audit line in plain words: "iPhone signed in with a passkey from 1.2.3.4 via
 * box.alice.ts.net". Names and reasons may come from strangers: hidden characters are shown
 * as escapes here, and the text is only ever rendered as text (never HTML).
 */
export function describeAuditEvent(e: AuditLine, names: AuditNames): string {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  // The name it has now, else the name it had when the line was written (a removed device), else its id.
  const named = str(e.name) ? `“${str(e.name)}”` : null;
  const device = e.device_id ? names.device(e.device_id) ?? named ?? `device ${e.device_id}` : null;
  const asked = named ?? 'A request';
  const token = str(e.token_id) ? names.token(str(e.token_id)) : undefined;
  const from = e.ip ? ` from ${e.ip}` : '';
  const via = e.origin ? ` via ${hostOf(e.origin)}` : '';
  const why = e.reason ? ` (${str(e.reason).replace(/_/g, ' ')})` : '';
  const fallback = e.method.startsWith('fallback-') ? FALLBACKS[e.method.slice(9)] : undefined;
  const who = device ?? 'A device';
  const approver = str(e.approver_device_id) ? names.device(str(e.approver_device_id)) ?? (str(e.approver_name) || null) : null;
  const guestOf = str(e.invited_as) ? `, a guest of ${str(e.app)} invited as “${str(e.invited_as)}”` : '';
  let text: string;
  switch (true) {
    case e.method === 'passkey-login':
      text = e.outcome === 'success' ? `${who} signed in with a passkey${from}${via}` : `Failed passkey sign-in${why}${from}${via}`;
      break;
    case e.method === 'passkey-register':
      text = e.outcome === 'success' ? `${who} set up a passkey on this computer`
        : e.outcome === 'info' ? `${named ? `${named}${str(e.device_type) ? ` (${str(e.device_type)})` : ''}` : 'A new device'} asked to pair${guestOf}${from}${via}`
          : e.reason === 'too_many_pairings' ? `A pairing was refused: too many from one address in 10 minutes${from}${via}` : `Failed pairing attempt${why}${from}${via}`;
      break;
    case e.method === 'pairing':
      text = `${who} finished pairing and signed in${from}${via}`;
      break;
    case e.method === 'approve' && e.outcome !== 'failure':
      text = `${who} was approved${e.kind === 'browser' ? ' (a browser without a passkey)' : ''}${guestOf}${approver ? ` from ${approver}` : ''}`;
      break;
    case e.method === 'approve':
      text = `An approval from a phone was refused${why}${from}${via}`;
      break;
    case e.method === 'deny':
      text = e.reason === 'wrong_code_picked'
        ? `${asked}${from}${via} was denied: the code typed ${approver ? `on ${approver}` : 'on the computer'} did not match`
        : `${asked}${from}${via} was denied${approver ? ` on ${approver}` : ''}`;
      break;
    case e.method.startsWith('share-'):
      text = `${e.method === 'share-create' ? 'Shared' : e.method === 'share-link' ? 'A new invitation link for' : 'Stopped sharing'} ${str(e.app)} ${e.method === 'share-revoke' ? 'with' : e.method === 'share-link' ? 'for' : 'with'} “${str(e.name)}”`;
      break;
    case e.method === 'setting':
      text = `Setting ${str(e.setting)} turned ${e.value === true ? 'on' : 'off'}`;
      break;
    case e.method === 'pairing-cancel':
      text = `${asked}${from}${via} was cancelled on the device itself`;
      break;
    case e.method === 'app-add':
      text = `App ${str(e.app)} was put behind the gate (${str(e.upstream)})`;
      break;
    case e.method === 'app-remove':
      text = `App ${str(e.app)} was removed from Latchkey`;
      break;
    case e.method === 'origin-add':
      text = `Latchkey now answers for ${hostOf(e.origin)}`;
      break;
    case e.method === 'origin-remove':
      text = `Latchkey no longer answers for ${hostOf(e.origin)}`;
      break;
    case e.method === 'alert-ack':
      text = 'An alert was acknowledged on the computer';
      break;
    case e.method === 'tunnel-start':
      text = `A ${str(e.tool)} tunnel started at ${hostOf(e.origin)}`;
      break;
    case e.method === 'tunnel-stop':
      text = `The ${str(e.tool)} tunnel at ${hostOf(e.origin)} was stopped`;
      break;
    case e.method === 'tunnel-ended':
      text = `The tunnel at ${hostOf(e.origin)} ended by itself${why}`;
      break;
    case e.method === 'step-up':
      text = e.outcome === 'success' ? `${who} confirmed with its passkey again${from}${via}` : `A passkey check again failed${why}${from}${via}`;
      break;
    case e.method === 'handoff-mint' || e.method === 'handoff':
      text = e.outcome === 'failure' ? `A sign-in handed over from another address was refused${why}${from}${via}` : `${who} signed in${e.method === 'handoff' ? ', handed over from the sign-in address,' : ' and was handed over to another address'}${from}${via}`;
      break;
    case e.method === 'desktop':
      text = `A request claimed to be the desktop app and was refused${why}${from}`;
      break;
    case e.method === 'revoke':
      // What it approved from a phone stays approved; the line names it so the owner can review it.
      text = `${who} was removed${Array.isArray(e.had_approved) && e.had_approved.length
        ? `; it had approved ${(e.had_approved as Array<{ id: string; name: string }>).map((d) => names.device(d.id) ?? `“${d.name}”`).join(', ')}` : ''}`;
      break;
    case e.method === 'session':
      text = `A session was refused${why}${from}${via}`;
      break;
    case e.method === 'token' && e.outcome !== 'failure' && token !== undefined:
      text = `API key ${token} used ${e.count ?? 1} time${e.count === 1 || e.count === undefined ? '' : 's'} (${str(e.http)})${from}`;
      break;
    case e.method === 'token':
      text = e.outcome === 'failure' ? `A request with a bad token${why}${from}${via}` : `Token ${str(e.token_id)} used${from}`;
      break;
    case fallback !== undefined:
      text = e.outcome === 'success' ? `${who} signed in with ${fallback}${from}${via}`
        : e.outcome === 'info' ? `A new browser signed in with ${fallback}${from}${via} and waits for approval`
          : `Failed sign-in with ${fallback}${why}${from}${via}`;
      if (e.reason === 'link_sent') text = `A sign-in link was mailed${from}${via}`;
      break;
    case e.method === 'app-signin-redirect':
      text = `A browser that was not signed in was sent to sign in (it asked for ${str(e.path)})${from}${via}`;
      break;
    case e.method === 'fallback-settings':
      text = `Sign-in fallback ${str(e.fallback)}: ${str(e.action).replace(/_/g, ' ')}`;
      break;
    case e.method.startsWith('key-'):
      text = `API key ${token ?? str(e.token_id)} ${e.method === 'key-create' ? 'created' : e.method === 'key-rotate' ? 'rotated' : 'revoked'}`;
      break;
    case e.method.startsWith('cli-login'):
      text = `CLI login ${e.method.slice(10) || 'event'}${e.outcome === 'failure' ? ` failed${why}` : ''}${from}`;
      break;
    case e.method === 'mcp-tool-call': {
      const caller = str(e.client_id) ? `Agent ${named ?? str(e.client_id)}` : token ? `Key “${token}”` : device ?? 'Someone';
      const what = e.result === 'denied' ? 'was refused the tool' : e.result === 'not_sent' ? 'did not get to call' : 'called';
      const times = typeof e.count === 'number' && e.count > 1 ? `, ${e.count} times` : '';
      const answered = str(e.result).startsWith('app_status_') ? `, and the app answered ${str(e.result).slice('app_status_'.length)}` : '';
      text = `${caller} ${what} ${str(e.tool) || '(unnamed)'} on ${str(e.app)}${times}${answered}${from}`;
      break;
    }
    case e.method === 'agent-register':
      text = `Agent ${named ?? str(e.client_id)} registered, returning to ${Array.isArray(e.redirect_hosts) ? e.redirect_hosts.join(', ') : ''}${via}`;
      break;
    case e.method === 'agent-waiting':
      text = `${device ?? 'A phone'} allowed agent ${named ?? str(e.client_id)} to use ${str(e.app)}; waiting for the computer to type its code`;
      break;
    case e.method === 'agent-allow':
      text = `Agent ${named ?? str(e.client_id)} was allowed to use ${str(e.app)}${device ? ` by ${device}` : ' on the computer'}${e.approved_on_computer === true ? ', confirmed on the computer' : ''}`;
      break;
    case e.method === 'agent-deny':
      text = `Agent ${named ?? str(e.client_id)} was not allowed to use ${str(e.app)}`;
      break;
    case e.method === 'agent-revoke':
      text = `Agent ${str(e.client_id)} was revoked${e.reason === 'granting_device_removed' ? ` with ${device ?? 'the device that allowed it'}` : ''}`;
      break;
    case e.method === 'agent-grant-revoked':
      text = e.reason === 'revoked_by_agent'
        ? 'An agent signed itself out (revoked its own token)'
        : 'An agent\'s refresh token or code was used a second time, so everything it was given was revoked (a stolen token, or a client that lost track of its own)';
      break;
    case e.method === 'agent-token':
      text = `An agent's token was refused at ${str(e.app)}${why}${from}${via}`;
      break;
    default:
      text = `${e.method} ${e.outcome}${why}${from}${via}`;
  }
  // A folded line stands for the repeats of one refusal from one client within a minute.
  if (e.folded === true && typeof e.count === 'number') text = `${text}: ${e.count} more time${e.count === 1 ? '' : 's'} within a minute`;
  return revealHidden(text, 'text', []);
}
