import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openJsonStore } from '../store/openJsonStore.ts';
import type { Clock } from '../time/Clock.ts';

/** What oidc-provider stores: a free-form payload per model and id. */
export type AgentPayload = Record<string, unknown> & { grantId?: string; uid?: string; jti?: string; consumed?: number };

interface Entry {
  payload: AgentPayload;
  /** Epoch ms; 0 = never. */
  expires: number;
}

interface AgentFile {
  version: 1;
  /** model → key → entry. Keys of bearer secrets (tokens, codes) are SHA-256 hashes, never the secret itself. */
  models: Record<string, Record<string, Entry>>;
}

const isAgentFile = (data: unknown): data is AgentFile => {
  const d = data as Partial<AgentFile> | null;
  return typeof d === 'object' && d !== null && d.version === 1 && typeof d.models === 'object' && d.models !== null &&
    Object.values(d.models).every((m) => typeof m === 'object' && m !== null && Object.values(m).every((e) => typeof e?.payload === 'object' && typeof e.expires === 'number'));
};

// What outlives a restart: the clients, what the owner granted them, and their tokens (hashed). Sessions,
// interactions and codes live for minutes in memory: a restart in the middle of a consent asks for it again.
// `MetadataClient`: what Latchkey keeps of a client known by its metadata document (an https client_id that
// oidc-provider fetches and caches itself), once the owner allowed it: its name and redirect URIs, for lists.
const PERSISTED = new Set(['Client', 'MetadataClient', 'Grant', 'RefreshToken', 'AccessToken']);
// Models whose id is itself a bearer secret: kept under its hash, and the payload's copy (jti) is not written.
const SECRET_IDS = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode']);

// Entries of one model held at once. Past it, expired ones are swept, then the oldest go: a flood of
// authorization requests (each one an Interaction) cannot grow memory without bound.
const MODEL_CAP = 10_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export type AgentStore = Awaited<ReturnType<typeof openAgentStore>>;

/**
 * The storage behind Latchkey's OAuth server (oidc-provider's adapter interface: upsert, find,
 * consume, destroy, revokeByGrantId), in `agents.json` (0600, atomic writes). Everything is held
 * in memory too, so the app path's token check is a Map read with no I/O (issue 24: O(1)).
 */
export async function openAgentStore(home: string, clock: Clock, warn: (m: string) => void, cap = MODEL_CAP) {
  const db = await openJsonStore<AgentFile>({
    file: join(home, 'agents.json'), isValid: isAgentFile, warn,
    empty: () => ({ version: 1, models: {} }),
    recover: () => ({ version: 1, models: {} }),
    consequence: 'every agent (MCP client) must be allowed again.',
  });
  const memory = new Map<string, Map<string, Entry>>();
  for (const [model, entries] of Object.entries(db.data.models)) memory.set(model, new Map(Object.entries(entries)));
  const modelMap = (model: string) => {
    let m = memory.get(model);
    if (!m) memory.set(model, (m = new Map()));
    return m;
  };
  const keyOf = (model: string, id: string) => (SECRET_IDS.has(model) ? sha256(id) : id);
  const live = (e: Entry | undefined) => (e && (e.expires === 0 || e.expires > clock.now()) ? e : undefined);

  let writing: Promise<void> = Promise.resolve();
  /** Writes the persisted models (expired entries dropped), one write at a time, in order. */
  function persist() {
    const models: AgentFile['models'] = {};
    const now = clock.now();
    for (const model of PERSISTED) {
      const out: Record<string, Entry> = {};
      for (const [key, e] of modelMap(model)) {
        if (e.expires !== 0 && e.expires <= now) continue;
        const { jti: _secret, ...payload } = e.payload;
        out[key] = { payload: SECRET_IDS.has(model) ? payload : e.payload, expires: e.expires };
      }
      models[model] = out;
    }
    db.data = { version: 1, models };
    writing = writing.then(() => db.write());
    return writing;
  }

  function find(model: string, id: string): AgentPayload | undefined {
    const e = live(modelMap(model).get(keyOf(model, id)));
    if (!e) return undefined;
    return SECRET_IDS.has(model) ? { ...e.payload, jti: id } : e.payload;
  }

  /**
   * Past the cap: expired entries go; then, of the clients, registrations never granted, oldest first
   * (what the owner allowed is never dropped); of what lives in memory only (interactions, sessions,
   * codes), the oldest. Grants and tokens are bounded by the clients they belong to.
   */
  function sweep(model: string, map: Map<string, Entry>) {
    for (const [k, e] of map) if (!live(e)) map.delete(k);
    if (model === 'Client') {
      const granted = new Set([...modelMap('Grant').values()].map((g) => g.payload.clientId));
      for (const k of map.keys()) {
        if (map.size <= cap) break;
        if (!granted.has(k)) map.delete(k);
      }
    } else if (!PERSISTED.has(model)) {
      while (map.size > cap) map.delete(map.keys().next().value!);
    }
  }

  /** oidc-provider's adapter class for one model. */
  function adapterFor(model: string) {
    const map = modelMap(model);
    const saved = () => (PERSISTED.has(model) ? persist() : undefined);
    return {
      async upsert(id: string, payload: AgentPayload, expiresIn?: number) {
        const key = keyOf(model, id);
        map.delete(key);
        map.set(key, { payload, expires: expiresIn ? clock.now() + expiresIn * 1000 : 0 });
        if (map.size > cap) sweep(model, map);
        await saved();
      },
      async find(id: string) {
        return find(model, id);
      },
      async findByUid(uid: string) {
        for (const e of map.values()) if (live(e) && e.payload.uid === uid) return e.payload;
        return undefined;
      },
      async findByUserCode() {
        return undefined;
      },
      async consume(id: string) {
        const e = map.get(keyOf(model, id));
        if (e) e.payload = { ...e.payload, consumed: Math.floor(clock.now() / 1000) };
        await saved();
      },
      async destroy(id: string) {
        map.delete(keyOf(model, id));
        await saved();
      },
      async revokeByGrantId(grantId: string) {
        for (const [key, e] of map) if (e.payload.grantId === grantId) map.delete(key);
        await saved();
      },
    };
  }

  return {
    /** The class oidc-provider's `adapter` option takes. */
    Adapter: class {
      constructor(model: string) {
        return adapterFor(model);
      }
    } as unknown as new (model: string) => ReturnType<typeof adapterFor>,
    /** An access token's stored payload, if it is live: one hash and one Map read (the app path's check). */
    accessToken: (token: string) => find('AccessToken', token),
    /** A registered client's metadata: a Map read. */
    client: (clientId: string) => live(modelMap('Client').get(clientId) ?? modelMap('MetadataClient').get(clientId))?.payload,
    /** Keeps what the owner saw of a metadata-document client when allowing it (it is in no registration). */
    async rememberMetadataClient(clientId: string, payload: AgentPayload) {
      modelMap('MetadataClient').set(clientId, { payload, expires: 0 });
      await persist();
    },
    /** Every live entry of one model (for lists). */
    all(model: string): AgentPayload[] {
      return [...modelMap(model).values()].filter((e) => live(e)).map((e) => e.payload);
    },
    /** Removes a client and everything issued to it; returns whether it existed. */
    async removeClient(clientId: string): Promise<boolean> {
      const existed = [modelMap('Client').delete(clientId), modelMap('MetadataClient').delete(clientId)].some(Boolean);
      for (const model of ['Grant', 'RefreshToken', 'AccessToken', 'AuthorizationCode', 'Session']) {
        for (const [key, e] of modelMap(model)) if (e.payload.clientId === clientId) modelMap(model).delete(key);
      }
      await persist();
      return existed;
    },
    flush: () => writing,
  };
}
