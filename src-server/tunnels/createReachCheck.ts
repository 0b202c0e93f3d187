import { randomBytes } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import type { Agent } from 'undici';

/** How a check dials out; tests give a host mapping and their certificate, as Chromium's flags do for the browser. */
export interface ReachCheckOptions {
  lookup?: LookupFunction;
  ca?: string;
  timeoutMs?: number;
}

export type ReachResult =
  | { reaches: true; origin: string; message: string }
  | { reaches: false; origin: string; code: 'tunnel_elsewhere' | 'tunnel_unreachable'; message: string };

/**
 * "Does my tunnel reach Latchkey?", answered for real: the server asks its own public address
 * for /.latchkey/reach with a one-time probe, and the answer counts only if this server's remote
 * listener saw that probe arrive. A tunnel pointed at the wrong port, or another machine
 * answering for the name, is told apart from one that does not answer at all.
 */
export function createReachCheck(remotePort: () => number, opts: ReachCheckOptions = {}) {
  // Probes issued and not yet answered (false) or seen arriving (true); only issued ones count.
  const probes = new Map<string, boolean>();
  let agent: Agent | undefined;

  return {
    /** The remote listener's /.latchkey/reach saw this probe. */
    saw(probe: unknown) {
      if (typeof probe === 'string' && probes.has(probe)) probes.set(probe, true);
    },

    async check(origin: string): Promise<ReachResult> {
      const { Agent: AgentClass, request } = await import('undici');
      agent ??= new AgentClass({ connect: { lookup: opts.lookup, ca: opts.ca, timeout: opts.timeoutMs ?? 5_000 } });
      const probe = randomBytes(16).toString('base64url');
      probes.set(probe, false);
      const host = new URL(origin).host;
      try {
        const res = await request(`${origin}/.latchkey/reach?probe=${probe}`, {
          dispatcher: agent, headersTimeout: opts.timeoutMs ?? 5_000, bodyTimeout: opts.timeoutMs ?? 5_000,
        });
        await res.body.dump();
        if (probes.get(probe)) return { reaches: true, origin, message: `${host} reaches this Latchkey through the tunnel.` };
        return {
          reaches: false, origin, code: 'tunnel_elsewhere',
          message: `${host} answered (HTTP ${res.statusCode}), but not from this Latchkey: point the tunnel at its remote listener, 127.0.0.1:${remotePort()}.`,
        };
      } catch (err) {
        const cause = (err as { code?: string }).code ?? (err as Error).message;
        return { reaches: false, origin, code: 'tunnel_unreachable', message: `${host} did not answer (${cause}). Is the tunnel running, and is this its address?` };
      } finally {
        probes.delete(probe);
      }
    },

    async close() {
      await agent?.close();
    },
  };
}

export type ReachCheck = ReturnType<typeof createReachCheck>;
