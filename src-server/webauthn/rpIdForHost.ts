import { isIP } from 'node:net';

/**
 * The RP ID for a host (WebAuthn §5.1.3 / HTML "registrable domain suffix"):
 * - loopback is served as `localhost` (an IP cannot be an RP ID);
 * - on `*.ts.net`, a node's name collapses to its tailnet (`box.alice.ts.net` → `alice.ts.net`):
 *   `ts.net` is on the Public Suffix List, so the tailnet is the registrable domain, and one
 *   passkey then serves every node of it. The exact origin allowlist still applies;
 * - elsewhere it is the host itself, unless `rp_id` overrides it.
 */
export function rpIdForHost(hostname: string, override?: string): string {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '127.0.0.1' || host === '::1') return 'localhost';
  if (isIP(host)) throw new Error(`"${host}" is an IP address and cannot be an RP ID`);
  if (override) return override;
  const labels = host.split('.');
  if (host.endsWith('.ts.net') && labels.length > 3) return labels.slice(-3).join('.');
  return host;
}
