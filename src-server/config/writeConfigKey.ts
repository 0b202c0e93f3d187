import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { checkConfig, type LatchkeyConfig } from './loadConfig.ts';

/**
 * Changes one key of config.json while the server runs (it is the file's only writer then),
 * keeping every other key the user wrote. The whole file is validated before it is written,
 * atomically; returns the validated config so the caller can adopt the normalised value.
 */
export async function writeConfigKey<K extends keyof LatchkeyConfig>(config: LatchkeyConfig, key: K, value: unknown) {
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(readFileSync(config.file, 'utf8'));
  } catch {
    // No file yet (embedded defaults): start one with just this key.
  }
  // undefined removes the key (what Latchkey set, it takes back; the default then applies).
  if (value === undefined) delete raw[key as string];
  else raw[key as string] = value;
  const checked = checkConfig(raw, config.file);
  await writeFileAtomic(config.file, `${JSON.stringify(raw, null, 2)}\n`, { mode: 0o600, fsync: true });
  return checked;
}
