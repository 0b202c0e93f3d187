import { useState } from 'react';
import type { AuthState } from '../api.ts';
import { FallbackSettings } from '../components/FallbackSettings.tsx';
import { StatusMessage } from '../components/StatusMessage.tsx';
import type { Status } from '../useApi.ts';
import { pairPrompt } from './HomePage.tsx';

/** Security: the sign-in fallbacks (changed on the computer only), and the Pair prompt on this device. */
export function SecurityPage({ state }: { state: AuthState }) {
  const [status, setStatus] = useState<Status>(null);
  return (
    <>
      <section className="card">
        <FallbackSettings canChange={state.person_at_computer} />
      </section>
      <section className="card">
        <h2>Pair prompt</h2>
        <p className="muted">Home suggests setting up a passkey when this device got in without one.</p>
        <button className="secondary" onClick={() => { pairPrompt.restore(); setStatus({ text: 'The pair prompt will show again.', tone: 'ok' }); }}>
          Show pair prompt again
        </button>
        <StatusMessage status={status} />
      </section>
    </>
  );
}
