import { When } from './When.tsx';
import { api } from '../api.ts';

export interface AlertsView {
  alerts: Array<{ id: string; started_at: string; failures: number; acknowledged_at: string | null; text: string }>;
  unacknowledged: number;
  deliveries: Array<{ id: string; type: string; created_at: string; state: string; attempts: Array<{ at: string; status?: number; error?: string }> }>;
  webhook: { configured: boolean; disabled: boolean; url: string | null };
}

/** Failure-spike alerts with Acknowledge, and where the webhook stands with each delivery's outcome. */
export function AlertList({ view, onChange, canAck }: { view: AlertsView; onChange: () => void; canAck: boolean }) {
  const ack = async (id: string) => {
    await api(`/api/alerts/${encodeURIComponent(id)}/ack`, { method: 'POST' });
    onChange();
  };
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      {view.alerts.length === 0 && <p className="muted small">No failure spikes so far.</p>}
      {!canAck && view.unacknowledged > 0 && <p className="muted small">Alerts are acknowledged on the computer running Latchkey.</p>}
      <ul className="alerts">
        {view.alerts.slice(0, 10).map((a) => (
          <li key={a.id} className={a.acknowledged_at ? 'muted' : 'warning'}>
            {a.text} <span className="small">(<When iso={a.started_at} />)</span>{' '}
            {a.acknowledged_at ? <span className="small">acknowledged</span> : canAck && <button className="secondary" onClick={() => void ack(a.id)}>Acknowledge</button>}
          </li>
        ))}
      </ul>
      <p className="small muted">
        {view.webhook.configured
          ? <>Webhook: {view.webhook.url}{view.webhook.disabled ? ' — disabled: the receiver answered 410 Gone' : ''}</>
          : 'No webhook configured (see "alerts" in config.json).'}
      </p>
      {view.deliveries.length > 0 && (
        <table aria-label="Webhook deliveries">
          <thead><tr><th>Event</th><th>When</th><th>Outcome</th></tr></thead>
          <tbody>
            {view.deliveries.slice(0, 10).map((d) => {
              const last = d.attempts.at(-1);
              return (
                <tr key={d.id}>
                  <td>{d.type}</td>
                  <td><When iso={d.created_at} /></td>
                  <td>{d.state}{last ? ` (${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'}, last: ${last.status ?? last.error})` : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
