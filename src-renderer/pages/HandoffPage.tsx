import { nextPath } from '../api.ts';

/**
 * An origin that signs in through the stable auth origin (config `auth_origin`): passkeys
 * live there, so a tunnel whose hostname changes never strands them. One button goes there
 * and comes back signed in.
 */
export function HandoffPage({ url }: { url: string }) {
  const target = new URL(url);
  const go = new URL(url);
  go.searchParams.set('return', nextPath() ?? window.location.pathname + window.location.search);
  return (
    <section className="card">
      <h1>Sign in</h1>
      <p>This address signs in through <strong>{target.host}</strong>, where your passkey lives. You come straight back here.</p>
      <a className="button" href={go.href}>Sign in at {target.host}</a>
      <p className="muted small">New device? Pair it at {target.host} first; it then works on every address of this Latchkey.</p>
    </section>
  );
}
