import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { AtomicJsonFile } from '../store/AtomicJsonFile.ts';
import type { Clock } from '../time/Clock.ts';

interface SigningKey {
  kid: string;
  key: string;
  created_at: string;
}
interface KeyFile {
  version: 1;
  current: SigningKey;
  previous: SigningKey | null;
}

const ROTATE_AFTER_MS = 7 * 24 * 3600_000;

function isKeyFile(d: unknown): d is KeyFile {
  const k = d as KeyFile;
  return typeof k === 'object' && k !== null && k.version === 1 && typeof k.current?.key === 'string';
}

const newKey = (clock: Clock): SigningKey => ({
  kid: randomBytes(6).toString('base64url'),
  key: randomBytes(32).toString('base64url'),
  created_at: new Date(clock.now()).toISOString(),
});

/**
 * The HS256 session keys: a current one that signs, and the previous one that still
 * verifies, so a rotation logs nobody out (sessions live 24 h; keys rotate weekly).
 * A corrupt key file is replaced: that only signs everybody out, it never grants access.
 */
export async function openSigningKeys(home: string, clock: Clock) {
  const db = new Low<KeyFile>(new AtomicJsonFile(join(home, 'session-keys.json'), isKeyFile), null as unknown as KeyFile);
  try {
    await db.read();
  } catch {
    db.data = null as unknown as KeyFile;
  }
  if (!db.data) {
    db.data = { version: 1, current: newKey(clock), previous: null };
    await db.write();
  }

  const toKeys = () => {
    const m = new Map<string, Uint8Array>([[db.data.current.kid, Buffer.from(db.data.current.key, 'base64url')]]);
    if (db.data.previous) m.set(db.data.previous.kid, Buffer.from(db.data.previous.key, 'base64url'));
    return m;
  };
  let keys = toKeys();

  const api = {
    current: () => ({ kid: db.data.current.kid, key: keys.get(db.data.current.kid)! }),
    byKid: (kid: string | undefined) => (kid ? keys.get(kid) : undefined),
    async rotate() {
      db.data = { version: 1, current: newKey(clock), previous: db.data.current };
      await db.write();
      keys = toKeys();
    },
  };
  if (clock.now() - Date.parse(db.data.current.created_at) > ROTATE_AFTER_MS) await api.rotate();
  return api;
}

export type SigningKeys = Awaited<ReturnType<typeof openSigningKeys>>;
