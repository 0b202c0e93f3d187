
/**
 * OWASP's argon2id floor: 19 MiB, two passes, one lane. @node-rs/argon2 runs on libuv's
 * thread pool, so a verify (tens of ms) never blocks the event loop (see `npm run bench`).
 */
const OPTIONS = { algorithm: 2 /* Algorithm.Argon2id, a const enum: only the value exists at run time */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// The native addon is loaded on the first hash or verify: most runs never use a fallback.
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
const loadArgon2 = () => (argon2 ??= import('@node-rs/argon2'));

/** A PHC string ($argon2id$v=19$m=19456,t=2,p=1$…) with its own random salt. */
export const hashSecret = async (secret: string) => (await loadArgon2()).hash(secret, OPTIONS);

/** Constant-time by construction (the library compares the derived keys); false for a malformed hash. */
export async function verifySecret(phc: string, secret: string): Promise<boolean> {
  try {
    return await (await loadArgon2()).verify(phc, secret);
  } catch {
    return false;
  }
}
