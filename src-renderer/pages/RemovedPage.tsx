import { Link } from 'wouter';
import { day, type AuthState } from '../api.ts';

/** A browser whose device was removed on the computer: told plainly, with the way back. */
export function RemovedPage({ state }: { state: AuthState }) {
  const host = new URL(state.origin).host;
  const when = state.ended?.removed_at ? ` on ${day(state.ended.removed_at)}` : '';
  return (
    <section className="card removed" aria-live="polite">
      <h1>Removed from {host}</h1>
      <p>{state.ended?.name ? <>“{state.ended.name}”</> : <>This {state.suggested_name}</>} was removed from {host}{when}. It can no longer reach the computer.</p>
      <p className="muted">If that was a mistake, pair it again: the computer will be asked to approve it.</p>
      <Link href="/pair" className="button">Pair again</Link>
    </section>
  );
}
