import { useRef, useState } from 'react';
import type { TokenView } from '../../src-server/tokens/tokenView.ts';
import { GRANTING_SCOPES } from '../../src-server/access/scopes.ts';
import { api, when, type AuthState } from '../api.ts';
import { useApps } from '../useApps.ts';
import { useStepUp } from '../useStepUp.ts';
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx';
import { StatusMessage } from '../components/StatusMessage.tsx';
import { When } from '../components/When.tsx';
import { useApi } from '../useApi.ts';

/** A key as the server shows it (the same view the API and CLI use). */
type Key = TokenView;

// The server's own list, so the form offers every scope the CLI accepts (access/scopes.ts).
const SCOPE_CHOICES = GRANTING_SCOPES;
const LIFETIMES = [['30d', '30 days'], ['90d', '90 days'], ['1y', '1 year']] as const;
const GRACES = [['0', 'stops at once'], ['1h', 'works 1 more hour'], ['24h', 'works 24 more hours'], ['7d', 'works 7 more days']] as const;

/** Settings → API keys: create (secret shown once), rotate with a grace period, revoke, expiry warnings. */
export function SettingsKeysPage({ state }: { state: AuthState }) {
  const { data, status, run } = useApi<{ keys: Key[] }>('/api/keys');
  // From a phone: a fresh passkey check first, and keys that live at most 30 days (access/keyRules.ts).
  const phone = state.principal === 'owner_device';
  const stepUp = useStepUp(phone);
  const lifetimes = phone ? LIFETIMES.filter(([v]) => v === '30d') : LIFETIMES;
  const { apps } = useApps();
  const scopeChoices = [...SCOPE_CHOICES, ...(apps ?? []).map((a) => `app:${a.name}`)];
  const keys = data?.keys ?? [];
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [secret, setSecret] = useState<{ id: string; value: string } | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['api:read']);
  const [pathPrefix, setPathPrefix] = useState('');
  const [lifetime, setLifetime] = useState(phone ? '30d' : '1y');
  const graceRef = useRef('24h');

  const create = () => run(async () => {
    const wanted = pathPrefix.trim() ? [...scopes, `path:${pathPrefix.trim()}`] : scopes;
    const result = await stepUp(() => api<{ key: Key; secret: string }>('/api/keys', { method: 'POST', body: { name, scopes: wanted, expires_in: lifetime } }));
    setSecret({ id: result.key.id, value: result.secret });
    setName('');
    return result;
  }, (r) => `Created "${r.key.name}".`);

  const rotateNow = (key: Key, grace: string) => run(async () => {
    const result = await stepUp(() => api<{ key: Key; secret: string; previous_valid_until: string | null }>(
      `/api/keys/${encodeURIComponent(key.id)}/rotate`, { method: 'POST', body: { grace } }));
    setSecret({ id: key.id, value: result.secret });
    return result;
  }, (r) => (r.previous_valid_until ? `Rotated "${key.name}". The old secret works until ${when(r.previous_valid_until)}.` : `Rotated "${key.name}". The old secret no longer works.`));

  // Rotating asks too, with how long the old secret keeps working chosen in the same place.
  const rotate = (key: Key) => { graceRef.current = '24h'; setConfirm({
    title: `Rotate "${key.name}"?`, body: 'A new secret is made and shown once; scripts must switch to it.', confirm: 'Rotate',
    extra: <GraceChoice onChange={(g) => { graceRef.current = g; }} />,
    onConfirm: () => void rotateNow(key, graceRef.current),
  }); };

  const revoke = (key: Key) => setConfirm({
    title: `Revoke "${key.name}"?`, body: 'Anything using it is refused on its next request.', confirm: 'Revoke',
    onConfirm: () => void run(async () => {
      const r = await api(`/api/keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' });
      // A revoked key's secret is worth nothing: it is not left on screen to be copied.
      setSecret((shown) => (shown?.id === key.id ? null : shown));
      return r;
    }, () => `Revoked "${key.name}".`),
  });

  const expiring = keys.filter((k) => k.status === 'expiring');
  const toggle = (scope: string) => setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));

  return (
    <section className="card">
      {/* The outcome of an action is read where the eye is, above the list, not at the foot of a long page. */}
      <StatusMessage status={status} />
      {expiring.map((k) => (
        <p key={k.id} className="warning" role="alert">
          “{k.name}” expires in {k.expires_in_days} day{k.expires_in_days === 1 ? '' : 's'} (<When iso={k.expires_at} />). {k.kind === 'cli' ? 'Sign the command line in again.' : 'Rotate it.'}
        </p>
      ))}
      {secret && (
        <div className="secret" data-testid="new-secret-box">
          <p><strong>Copy this secret now.</strong> It is shown only once.</p>
          <code data-testid="new-secret">{secret.value}</code>{' '}
          <button className="secondary" onClick={() => void navigator.clipboard?.writeText(secret.value)}>Copy</button>{' '}
          <button className="secondary" onClick={() => setSecret(null)}>Done</button>
        </div>
      )}
      {keys.length === 0 ? <p className="muted">No API keys or CLI logins.</p> : (
        <table className="keys">
          <thead><tr><th>Name</th><th>Scopes</th><th>Expires</th><th>Last used</th><th /></tr></thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-key-id={k.id}>
                <td>{k.name}<div className="muted small">{k.id} · {k.kind === 'cli' ? 'CLI login' : 'API key'}{k.device_name ? ` · by ${k.device_name}` : ''}</div></td>
                <td data-label="Scopes">{k.scopes.join(', ')}</td>
                <td data-label="Expires"><When iso={k.expires_at} />{k.status === 'expiring' && <div className="warning small">soon</div>}</td>
                <td data-label="Last used"><When iso={k.last_used_at} /></td>
                <td>
                  {k.kind === 'api_key' && <button className="secondary" onClick={() => rotate(k)}>Rotate</button>}{' '}
                  <button className="danger" onClick={() => revoke(k)}>Revoke</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Create API key</h2>
      <label htmlFor="key-name">Name</label>
      <input id="key-name" value={name} maxLength={64} placeholder="backup script" onChange={(e) => setName(e.target.value)} />
      <fieldset>
        <legend>Scopes</legend>
        {scopeChoices.map((scope) => (
          <label key={scope} className="inline">
            <input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} /> {scope}
          </label>
        ))}
      </fieldset>
      <label htmlFor="key-path">Only paths under (optional)</label>
      <input id="key-path" value={pathPrefix} maxLength={200} placeholder="/api/devices" onChange={(e) => setPathPrefix(e.target.value)} />
      <label htmlFor="key-lifetime">Expires after</label>
      <select id="key-lifetime" value={lifetime} onChange={(e) => setLifetime(e.target.value)}>
        {lifetimes.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
      </select>
      <button disabled={!name.trim() || scopes.length === 0} onClick={create}>Create key</button>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

/** How long a rotated key's old secret keeps working, asked in the Rotate dialog. */
function GraceChoice({ onChange }: { onChange: (grace: string) => void }) {
  const [grace, setGrace] = useState('24h');
  return (
    <>
      <label htmlFor="rotate-grace">The old secret</label>
      <select id="rotate-grace" value={grace} onChange={(e) => { setGrace(e.target.value); onChange(e.target.value); }}>
        {GRACES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
      </select>
    </>
  );
}
