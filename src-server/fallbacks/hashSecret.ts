import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * OWASP's argon2id floor: 19 MiB, two passes, one lane. @node-rs/argon2 runs on libuv's
 * thread pool, so a verify (tens of ms) never blocks the event loop (see `npm run bench`).
 */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** A PHC string ($argon2id$v=19$m=19456,t=2,p=1$…) with its own random salt. */
export const hashSecret = (secret: string) => hash(secret, OPTIONS);

/** Constant-time by construction (the library compares the derived keys); false for a malformed hash. */
export async function verifySecret(phc: string, secret: string): Promise<boolean> {
  try {
    return await verify(phc, secret);
  } catch {
    return false;
  }
}
