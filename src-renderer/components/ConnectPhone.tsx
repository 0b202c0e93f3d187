import { Link } from 'wouter';
import type { Device } from '../api.ts';
import { useApi } from '../useApi.ts';
import type { TunnelStatus } from '../pages/RemoteAccessPage.tsx';
import { PhoneAddress } from './PhoneAddress.tsx';
import { ReachCheck } from './ReachCheck.tsx';

/**
 * What to do first, on the computer, while no phone is paired: the tunnel command for the tool
 * that is installed (or what to install), then the phone's address with its QR code, then what
 * the phone will do. It goes away once a device has paired through a tunnel.
 */
export function ConnectPhone() {
  const devices = useApi<{ devices: Device[] }>('/api/devices');
  const tunnel = useApi<TunnelStatus>('/api/tunnel');
  const origins = useApi<{ origins: string[] }>('/api/origins');
  const paired = devices.data?.devices.some((d) => d.origin.startsWith('https://'));
  if (!devices.data || !tunnel.data || !origins.data || paired) return null;
  const t = tunnel.data;
  const phoneUrl = t.tunnel?.url ?? origins.data.origins[0] ?? null;
  const tool = t.tools.tailscale.installed ? 'tailscale' : t.tools.cloudflared.installed ? 'cloudflared' : null;
  return (
    <section className="card onboarding" aria-labelledby="connect-phone">
      <h2 id="connect-phone">Connect your phone</h2>
      <ol className="steps">
        <li>
          {phoneUrl ? <>The phone&apos;s address is <strong>{new URL(phoneUrl).host}</strong>.<ReachCheck origin={phoneUrl} /></> : tool ? (
            <>Start a tunnel ({tool} is installed) on this computer: <pre data-testid="tunnel-command">latchkey tunnel start {tool}</pre>or in <Link href="/remote">Remote access</Link>.</>
          ) : (
            <>Install <a href="https://tailscale.com/download">Tailscale</a> (your own devices) or cloudflared, then start a tunnel in <Link href="/remote">Remote access</Link>; or point any tunnel at <code>127.0.0.1:{t.remote_port}</code> and add its address there.</>
          )}
        </li>
        <li>
          {phoneUrl ? <>Open this on the phone (scan the code with its camera):<PhoneAddress url={phoneUrl} qr={t.tunnel?.url === phoneUrl ? t.tunnel.qr : undefined} /></> : <>Open the tunnel&apos;s address on the phone: it will be shown here, with a QR code.</>}
        </li>
        <li>On the phone, tap <strong>Set up passkey</strong>. This computer then shows the request: type the code the phone shows.</li>
      </ol>
    </section>
  );
}
