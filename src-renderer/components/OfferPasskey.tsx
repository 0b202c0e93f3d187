import { browserSupportsWebAuthn } from '@simplewebauthn/browser';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

/** After any fallback sign-in: a passkey is the better way in, so offer one for this device. */
export function OfferPasskey({ offer: offered, codesLeft, onContinue }: { offer: boolean; codesLeft?: number; onContinue: () => void }) {
  // Only where a passkey can be made: a host name (not an IP) and a browser with WebAuthn.
  const offer = offered && browserSupportsWebAuthn();
  return (
    <section className="card" aria-live="polite">
      <h1>Signed in</h1>
      <p className="ok" role="status">This browser is signed in without a passkey, for up to 12 hours.</p>
      {codesLeft !== undefined && (
        <p className={codesLeft <= 3 ? 'warning' : 'muted'}>
          {codesLeft} backup code{codesLeft === 1 ? '' : 's'} left. {codesLeft <= 3 ? 'Make a new set on the computer soon.' : ''}
        </p>
      )}
      {offer && (
        <>
          <p>Set up a passkey on this device, so next time you can sign in with Face ID, Touch ID or the device PIN.</p>
          <a className="button" href={lk('/pair')}>Set up a passkey</a>{' '}
        </>
      )}
      <button className={offer ? 'secondary' : ''} onClick={onContinue}>{offer ? 'Not now' : 'Continue'}</button>
    </section>
  );
}
