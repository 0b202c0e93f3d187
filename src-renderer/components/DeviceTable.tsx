import { when, type Device } from '../api.ts';

/** Trusted devices with one action button each (Revoke on Privacy, Remove on Trusted Devices). */
export function DeviceTable({ devices, actionLabel, onAction }: { devices: Device[]; actionLabel: string; onAction: (d: Device) => void }) {
  if (devices.length === 0) return <p className="muted">No trusted devices yet.</p>;
  return (
    <table>
      <thead><tr><th>Name</th><th>Device type</th><th>Registered</th><th>Last used</th><th /></tr></thead>
      <tbody>
        {devices.map((d) => (
          <tr key={d.id} data-device-id={d.id}>
            <td>{d.name}<div className="muted small">{d.origin} · {d.fingerprint}</div></td>
            <td>{d.device_type}<div className="muted small">{d.kind === 'browser' ? `browser (no passkey) · ${d.method}` : 'passkey'}</div></td>
            <td>{when(d.created_at)}</td>
            <td>{when(d.last_used_at)}</td>
            <td><button className="danger" onClick={() => onAction(d)}>{actionLabel}</button></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
