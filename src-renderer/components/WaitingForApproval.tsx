/** The screen a waiting browser shows: the match code the computer's prompt also shows. */
export function WaitingForApproval({ code }: { code: string }) {
  return (
    <section className="card" aria-live="polite">
      <h1>Waiting for approval</h1>
      <p>On the computer, approve the request showing this code:</p>
      <p className="match-code" data-testid="match-code">{code}</p>
      <p className="muted">This page continues by itself once you approve.</p>
    </section>
  );
}
