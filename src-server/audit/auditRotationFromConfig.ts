import type { ConfigFile } from '../config/configSchema.ts';
import { ConfigError } from '../errors/LatchkeyError.ts';
import { DEFAULT_ROTATION, type AuditRotation } from './createAuditLog.ts';

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `"audit": { "max_file_size": "10MB", "keep_files": 5 }`, checked at start-up. */
export function auditRotationFromConfig(config: ConfigFile['audit'], file = 'config.json'): AuditRotation {
  let maxBytes = DEFAULT_ROTATION.maxBytes;
  if (config?.max_file_size !== undefined) {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(config.max_file_size.trim());
    maxBytes = m ? Math.round(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]!) : NaN;
    if (!(maxBytes >= 64 * 1024 && maxBytes <= 1024 ** 3)) {
      throw new ConfigError(`${file}: "audit.max_file_size" must be a size from 64KB to 1GB, such as "10MB" (got "${config.max_file_size}")`);
    }
  }
  return { maxBytes, keep: config?.keep_files ?? DEFAULT_ROTATION.keep };
}
