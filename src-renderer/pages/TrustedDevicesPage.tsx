import { type AuthState, type Device } from '../api.ts';
import { FallbackSettings } from '../components/FallbackSettings.tsx';
import { DeviceTable } from '../components/DeviceTable.tsx';
import { useDeviceList } from '../useDeviceList.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

/**
 * Settings → Security: Trusted Devices (every approved passkey, and every browser trusted
 * through a fallback), with Remove, then the sign-in fallbacks. A removed
 * device is refused on its next request (sessions and tokens alike) and can pair again later.
 */
export function TrustedDevicesPage({ state }: { state: AuthState }) {
  const { devices, message, remove: removeDevice } = useDeviceList();
  const remove = (d: Device) => removeDevice(d,
    `Remove "${d.name}"? It is refused on its next request, and its CLI tokens stop working. It can pair again later.`, `Removed ${d.name}.`);

  return (
    <section className="card">
      <p className="crumbs">Settings → Security · <a href={lk('/settings/privacy')}>Privacy</a> · <a href={lk('/settings/keys')}>API keys</a></p>
      <h1>Trusted Devices</h1>
      <DeviceTable devices={devices} actionLabel="Remove" onAction={remove} />
      {message && <p className={message.bad ? 'error' : 'ok'} role="status">{message.text}</p>}
      <FallbackSettings canChange={state.person_at_computer} />
    </section>
  );
}
