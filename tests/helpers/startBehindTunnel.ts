import type { LatchkeyOptions } from '../../src-server/app/createLatchkey.ts';
import { launchChromium } from './browser.ts';
import { startServer } from './startServer.ts';
import { freePort, makeTlsFixture, startNginx } from './tunnel.ts';

type ServerOptions = { config?: Record<string, unknown> } & Partial<LatchkeyOptions>;

/**
 * A Latchkey behind a real TLS front, as a phone meets it through a tunnel: nginx on a free
 * loopback port serving https://box.alice.ts.net:PORT, and Chromium that maps the name to
 * loopback and trusts the throwaway certificate. `options` sees the box origin and the TLS files.
 */
export async function startBehindTunnel(options: (box: string, tls: ReturnType<typeof makeTlsFixture>) => ServerOptions = () => ({})) {
  const tls = makeTlsFixture();
  const port = await freePort();
  const box = `https://box.alice.ts.net:${port}`;
  const server = await startServer(options(box, tls));
  const nginx = await startNginx(tls, server.remotePort, port);
  const browser = await launchChromium(tls.chromiumArgs);
  return {
    tls, box, server, nginx, browser,
    async close() {
      await browser.close();
      await nginx.stop();
      await server.close();
    },
  };
}
