import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { ConfirmDialog, type ConfirmRequest } from './ConfirmDialog.tsx';
import { StatusMessage } from './StatusMessage.tsx';
import { When } from './When.tsx';
import type { Status as StatusLine } from '../useApi.ts';

interface MethodStatus { enabled: boolean; last_used_at: string | null }
interface Status {
  backup_codes: MethodStatus & { left: number; created_at: string | null };
  totp: MethodStatus & { enrolling: boolean };
  password: MethodStatus & { set_at: string | null; with_totp: boolean };
  email: MethodStatus & { address: string | null; smtp_configured: boolean };
}


/**
 * Settings → Security → Sign-in fallbacks. Each method is off until set up here (or with
 * `latchkey fallback …`); only the computer may change them, so elsewhere this is read-only.
 */
export function FallbackSettings({ canChange }: { canChange: boolean }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [message, setMessage] = useState<StatusLine>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [totp, setTotp] = useState<{ uri: string; secret: string; qr: string } | null>(null);
  const [totpCode, setTotpCode] = useState('');
  const [password, setPassword] = useState({ first: '', again: '' });
  const [address, setAddress] = useState('');

  const load = useCallback(async () => {
    try {
      setStatus(await api<Status>('/api/fallbacks'));
    } catch (err) {
      setMessage({ text: (err as Error).message, tone: 'bad' });
    }
  }, []);
  useEffect(() => void load(), [load]);

  /** Runs a change, reloads, and says what happened; the server's error is shown as it is. */
  async function change(run: () => Promise<unknown>, done: string) {
    setMessage(null);
    try {
      await run();
      await load();
      setMessage({ text: done, tone: 'ok' });
      return true;
    } catch (err) {
      setMessage({ text: (err as Error).message, tone: 'bad' });
      return false;
    }
  }

  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const turnOff = (method: string, label: string) => setConfirm({
    title: `Turn off ${label}?`, body: 'Its secret is forgotten; setting it up again makes a new one.', confirm: 'Turn off',
    onConfirm: () => void change(() => api(`/api/fallbacks/${method}`, { method: 'DELETE' }), `${label[0]!.toUpperCase()}${label.slice(1)} is off.`),
  });

  const makeCodes = () => void change(async () => setCodes((await api<{ codes: string[] }>('/api/fallbacks/backup-codes', { method: 'POST' })).codes),
    'New backup codes made. Save them now: they are not shown again.');
  const newCodes = () => {
    if (!status?.backup_codes.enabled) return makeCodes();
    setConfirm({ title: 'Make a new set of backup codes?', body: 'The old codes stop working at once.', confirm: 'Make new codes', onConfirm: makeCodes });
  };

  if (!status) return <p className="muted">{message?.text ?? 'Loading sign-in fallbacks…'}</p>;
  const downloadHref = codes ? `data:text/plain;charset=utf-8,${encodeURIComponent(`Latchkey backup codes (each works once)\n\n${codes.join('\n')}\n`)}` : '';
  const state = (on: boolean) => <strong className={on ? 'ok' : 'muted'}>{on ? 'On' : 'Off'}</strong>;

  return (
    <section aria-labelledby="fallbacks-title">
      <h2 id="fallbacks-title">Sign-in fallbacks</h2>
      <p className="muted small">
        For when a passkey is not at hand. A fallback proves who you are; a new browser still needs approval here, except with a backup code,
        which lets it in at once and notifies this computer. Fallback sessions last at most 12 hours.
      </p>
      {!canChange && <p className="warning">These can only be changed on the computer running Latchkey.</p>}

      <div className="fallback" data-method="backup-code">
        <h3>Backup codes {state(status.backup_codes.enabled)}</h3>
        {status.backup_codes.enabled && <p className="small">{status.backup_codes.left} of 10 left · last used <When iso={status.backup_codes.last_used_at} /></p>}
        {codes && (
          <div className="secret" aria-label="New backup codes">
            <ol className="codes">{codes.map((c) => <li key={c}><code>{c}</code></li>)}</ol>
            <button className="secondary" onClick={() => void navigator.clipboard.writeText(codes.join('\n')).then(() => setMessage({ text: 'Copied.', tone: 'ok' }))}>Copy</button>{' '}
            <a className="button secondary" download="latchkey-backup-codes.txt" href={downloadHref}>Download</a>{' '}
            <button className="secondary" onClick={() => setCodes(null)}>I saved them</button>
          </div>
        )}
        {canChange && !codes && (
          <p>
            <button onClick={newCodes}>{status.backup_codes.enabled ? 'Make new codes' : 'Make backup codes'}</button>{' '}
            {status.backup_codes.enabled && <button className="danger" onClick={() => turnOff('backup-code', 'backup codes')}>Turn off</button>}
          </p>
        )}
      </div>

      <div className="fallback" data-method="totp">
        <h3>Authenticator app {state(status.totp.enabled)}</h3>
        {status.totp.enabled && <p className="small">Last used <When iso={status.totp.last_used_at} /></p>}
        {canChange && totp && (
          <form onSubmit={(e) => {
            e.preventDefault();
            void change(() => api('/api/fallbacks/totp/confirm', { method: 'POST', body: { code: totpCode } }), 'The authenticator app is on.')
              .then((ok) => { if (ok) { setTotp(null); setTotpCode(''); } });
          }}>
            <p>Scan this with your authenticator app, or type the key.</p>
            <img className="qr" src={totp.qr} width={200} height={200} alt={`QR code for ${totp.uri}`} />
            <p><code className="code" data-testid="totp-secret">{totp.secret}</code></p>
            <label htmlFor="totp-confirm">Code the app shows now</label>
            <input id="totp-confirm" inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={totpCode} onChange={(e) => setTotpCode(e.target.value)} />
            <button type="submit" disabled={!/^\d{6}$/.test(totpCode.trim())}>Turn on</button>
          </form>
        )}
        {canChange && !totp && (
          <p>
            {!status.totp.enabled && <button onClick={() => void change(async () => setTotp(await api('/api/fallbacks/totp', { method: 'POST' })), 'Scan the code, then type what the app shows.')}>Set up</button>}
            {status.totp.enabled && <button className="danger" onClick={() => turnOff('totp', 'the authenticator app')}>Turn off</button>}
          </p>
        )}
      </div>

      <div className="fallback" data-method="password">
        <h3>Password {state(status.password.enabled)}</h3>
        {status.password.enabled && <p className="small">Set <When iso={status.password.set_at} /> · last used <When iso={status.password.last_used_at} />{status.password.with_totp ? ' · asks for an authenticator code too' : ''}</p>}
        {canChange && (
          <form onSubmit={(e) => {
            e.preventDefault();
            if (password.first !== password.again) {
              setMessage({ text: 'The two passwords differ.', tone: 'bad' });
              return;
            }
            void change(() => api('/api/fallbacks/password', { method: 'PUT', body: { password: password.first } }), 'The password is set.')
              .then((ok) => { if (ok) setPassword({ first: '', again: '' }); });
          }}>
            <label htmlFor="new-password">{status.password.enabled ? 'New password' : 'Password'} (12 characters or more)</label>
            <input id="new-password" type="password" autoComplete="new-password" value={password.first} onChange={(e) => setPassword({ ...password, first: e.target.value })} />
            <label htmlFor="new-password-again">Repeat it</label>
            <input id="new-password-again" type="password" autoComplete="new-password" value={password.again} onChange={(e) => setPassword({ ...password, again: e.target.value })} />
            <button type="submit" disabled={!password.first}>{status.password.enabled ? 'Change password' : 'Set password'}</button>{' '}
            {status.password.enabled && <button type="button" className="danger" onClick={() => turnOff('password', 'the password')}>Turn off</button>}
          </form>
        )}
      </div>

      <div className="fallback" data-method="email">
        <h3>Email link {state(status.email.enabled)}</h3>
        {status.email.enabled && <p className="small">To {status.email.address} · last used <When iso={status.email.last_used_at} /></p>}
        {!status.email.smtp_configured && <p className="small muted">Needs a mail server: add <code>"smtp"</code> to config.json and restart Latchkey.</p>}
        {canChange && status.email.smtp_configured && (
          <form onSubmit={(e) => {
            e.preventDefault();
            void change(() => api('/api/fallbacks/email', { method: 'PUT', body: { address } }), `Sign-in links will go to ${address}.`)
              .then((ok) => { if (ok) setAddress(''); });
          }}>
            <label htmlFor="fallback-email">Send sign-in links to</label>
            <input id="fallback-email" type="email" autoComplete="email" value={address} onChange={(e) => setAddress(e.target.value)} />
            <button type="submit" disabled={!address.trim()}>Save address</button>{' '}
            {status.email.enabled && <button type="button" className="danger" onClick={() => turnOff('email', 'email links')}>Turn off</button>}
          </form>
        )}
      </div>
      <StatusMessage status={message} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}
