import { Link } from 'wouter';
import { day, relative, type AuthState } from '../api.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

/** A browser whose device was removed on the computer, or whose share ended: told plainly, with the way back. */
export function RemovedPage({ state }: { state: AuthState }) {
  const host = new URL(state.origin).host;
  const ended = state.ended;
  if (ended?.reason === 'share_ended') {
    return (
      <section className="card removed" aria-live="polite">
        <h1>The share has ended</h1>
        <p data-testid="share-ended">
          {ended.status === 'revoked' ? <>{ended.from} stopped sharing <strong>{ended.app}</strong> with you {relative(ended.ended_at)}.</>
            : <>{ended.from}'s share of <strong>{ended.app}</strong> ended {relative(ended.ended_at)}.</>}
        </p>
        <p className="muted">To use it again, ask {ended.from} for a new invitation link.</p>
        <p className="small"><a href={`${lk('/signin')}?again=1`}>Sign in with another passkey</a></p>
      </section>
    );
  }
  const when = ended?.removed_at ? ` on ${day(ended.removed_at)}` : '';
  return (
    <section className="card removed" aria-live="polite">
      <h1>Removed from {host}</h1>
      <p>{ended?.name ? <>“{ended.name}”</> : <>This {state.suggested_name}</>} was removed from {host}{when}. It can no longer reach the computer.</p>
      <p className="muted">If that was a mistake, pair it again: the computer will be asked to approve it.</p>
      <Link href="/pair" className="button">Pair again</Link>
    </section>
  );
}
