import { randomBytes } from 'node:crypto';
import type { LatchkeyConfig } from '../config/loadConfig.ts';
import { writeConfigKey } from '../config/writeConfigKey.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { parsePublicOrigin } from './parsePublicOrigin.ts';

export type OriginRegistry = ReturnType<typeof createOriginRegistry>;

/**
 * The https origins the remote listener answers for, looked up by Host in O(1).
 * Changes are written back to config.json (the server is its only writer once running),
 * keeping every other key the user wrote.
 */
export function createOriginRegistry(config: LatchkeyConfig) {
  let byHost = new Map<string, string>();
  // One id per origin per "tunnel session": new when the origin is (re)added, e.g. by a tunnel restart,
  // and at each server start. Handoff tokens carry it, so a token minted before a restart is refused after.
  const sessions = new Map<string, string>();
  const newSession = (origin: string) => sessions.set(origin, randomBytes(9).toString('base64url'));
  const reindex = () => {
    byHost = new Map(config.public_origins.map((o) => [new URL(o).host, o]));
  };
  reindex();

  async function persist(next: string[]) {
    await writeConfigKey(config, 'public_origins', next);
    config.public_origins = next;
    reindex();
  }

  return {
    list: () => [...config.public_origins],
    tunnelSession(origin: string): string {
      if (!sessions.has(origin)) newSession(origin);
      return sessions.get(origin)!;
    },
    /** The allowlisted origin for a Host header value, or undefined. */
    forHost(host: string): string | undefined {
      const h = host.toLowerCase();
      return byHost.get(h.endsWith(':443') ? h.slice(0, -4) : h);
    },
    async add(input: string): Promise<{ origin: string; added: boolean }> {
      const parsed = parsePublicOrigin(input);
      if ('problem' in parsed) throw new LatchkeyError('invalid_origin', parsed.problem, 400);
      if (config.public_origins.includes(parsed.origin)) return { origin: parsed.origin, added: false };
      await persist([...config.public_origins, parsed.origin]);
      newSession(parsed.origin);
      return { origin: parsed.origin, added: true };
    },
    async remove(input: string): Promise<{ origin: string }> {
      const parsed = parsePublicOrigin(input);
      const origin = 'problem' in parsed ? input : parsed.origin;
      if (!config.public_origins.includes(origin)) {
        throw new LatchkeyError('origin_not_found', `${origin} is not in public_origins`, 404);
      }
      if (config.auth_origin === origin) {
        throw new LatchkeyError('auth_origin_in_use', `${origin} is the auth_origin every other origin signs in through; change auth_origin in config.json first.`, 409);
      }
      await persist(config.public_origins.filter((o) => o !== origin));
      sessions.delete(origin);
      return { origin };
    },
  };
}
