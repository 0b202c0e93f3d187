import { useCallback, useEffect, useState } from 'react';
import { api, type Device } from '../api.ts';
import { DeviceTable } from '../components/DeviceTable.tsx';

/**
 * Settings → Security → Trusted Devices: every approved passkey, with Remove. A removed
 * device is refused on its next request (sessions and tokens alike) and can pair again later.
 */
export function TrustedDevicesPage() {
  const [devices, setDevices] = useState<Device[]>([]);
  const [message, setMessage] = useState<{ text: string; bad?: boolean } | null>(null);

  const load = useCallback(async () => {
    try {
      setDevices((await api<{ devices: Device[] }>('/api/devices')).devices);
    } catch (err) {
      setMessage({ text: (err as Error).message, bad: true });
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function remove(d: Device) {
    if (!window.confirm(`Remove "${d.name}"? It is refused on its next request, and its CLI tokens stop working. It can pair again later.`)) return;
    try {
      await api(`/api/devices/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
      await load();
      setMessage({ text: `Removed ${d.name}.` });
    } catch (err) {
      setMessage({ text: (err as Error).message, bad: true });
    }
  }

  return (
    <section className="card">
      <p className="crumbs">Settings → Security · <a href="/settings/privacy">Privacy</a> · <a href="/settings/keys">API keys</a></p>
      <h1>Trusted Devices</h1>
      <DeviceTable devices={devices} actionLabel="Remove" onAction={remove} />
      {message && <p className={message.bad ? 'error' : 'ok'} role="status">{message.text}</p>}
    </section>
  );
}
