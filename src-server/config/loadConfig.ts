import { adminOrigins } from '../access/adminOrigins.ts';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { ConfigError } from '../errors/LatchkeyError.ts';
import { parsePublicOrigin } from '../origins/parsePublicOrigin.ts';
import { configSchema, type ConfigFile } from './configSchema.ts';
import { parseApps } from '../apps/parseApp.ts';
import { parseDuration } from '../time/parseDuration.ts';

const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: false });
const validate = ajv.compile<ConfigFile>(configSchema);

/** An address as a person types it: one @, no spaces or control characters, a dot in the domain. */
export const EMAIL = /^[^\s@<>()\x00-\x1f\x7f]{1,64}@[^\s@<>()\x00-\x1f\x7f]+\.[^\s@<>()\x00-\x1f\x7f.]{2,}$/u;

// proxy-addr (used by Fastify's trustProxy) understands these names besides addresses and CIDRs.
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export type LatchkeyConfig = ConfigFile & { file: string };

/**
 * Reads `config.json` from the home folder once, at start-up. A missing file means the
 * embedded defaults; anything we cannot use stops the start with a message naming the key.
 */
export function loadConfig(home: string): LatchkeyConfig {
  const file = join(home, 'config.json');
  let raw: unknown = {};
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') {
      throw new ConfigError(`${file}: not valid JSON (${e.message}). Fix or remove the file.`);
    }
  }
  return { ...checkConfig(raw, file), file };
}

/** Validates a config object; exported so `origins add` re-checks the whole file before writing it. */
export function checkConfig(raw: unknown, file = 'config.json'): ConfigFile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file}: must hold a JSON object`);
  }
  const data = structuredClone(raw) as Record<string, unknown>;
  if (!validate(data)) {
    const first = validate.errors![0]!;
    const key = first.params && 'additionalProperty' in first.params
      ? String(first.params.additionalProperty)
      : first.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    const choices = key.endsWith('host_header') ? '"upstream" or "public"' : '"pair-only" or "open"';
    const detail = first.keyword === 'additionalProperties'
      ? 'is not a known setting'
      : first.keyword === 'anyOf' || first.keyword === 'const'
        ? `must be ${choices}`
        : first.message;
    throw new ConfigError(`${file}: "${key}" ${detail}`);
  }
  const config = data as ConfigFile;

  config.public_origins = config.public_origins.map((value, i) => {
    const parsed = parsePublicOrigin(value);
    if ('problem' in parsed) throw new ConfigError(`${file}: "public_origins[${i}]" ${parsed.problem}`);
    return parsed.origin;
  });
  config.public_origins = [...new Set(config.public_origins)];

  if (config.rp_id !== undefined) {
    const rpId = config.rp_id.toLowerCase();
    if (isIP(rpId) || !/^[a-z0-9.-]+$/.test(rpId)) {
      throw new ConfigError(`${file}: "rp_id" must be a domain name such as alice.ts.net, not "${config.rp_id}"`);
    }
    for (const origin of config.public_origins) {
      const host = new URL(origin).hostname;
      if (host !== rpId && !host.endsWith(`.${rpId}`)) {
        throw new ConfigError(`${file}: "rp_id" "${rpId}" is not a suffix of public origin ${origin}; WebAuthn would refuse it`);
      }
    }
    config.rp_id = rpId;
  }

  if (config.auth_origin !== undefined && config.auth_origin !== 'localhost') {
    const parsed = parsePublicOrigin(config.auth_origin);
    if ('problem' in parsed || !config.public_origins.includes(parsed.origin)) {
      throw new ConfigError(`${file}: "auth_origin" must be "localhost" or one of public_origins (got "${config.auth_origin}")`);
    }
    config.auth_origin = parsed.origin;
  }

  if (config.admin_origin !== undefined) {
    const parsed = parsePublicOrigin(config.admin_origin);
    if ('problem' in parsed || !config.public_origins.includes(parsed.origin)) {
      throw new ConfigError(`${file}: "admin_origin" must be one of public_origins (got "${config.admin_origin}")`);
    }
    config.admin_origin = parsed.origin;
  }

  try {
    parseApps(config.apps, config.public_origins, adminOrigins(config));
    if (config.limits?.request_timeout) parseDuration(config.limits.request_timeout, { field: 'limits.request_timeout', min: 1000, max: 3600_000 });
    if (config.limits?.app_timeout) parseDuration(config.limits.app_timeout, { field: 'limits.app_timeout', min: 1000, max: 3600_000 });
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }

  if (config.smtp) {
    let url: URL | null = null;
    try {
      url = new URL(config.smtp.url);
    } catch { /* reported below */ }
    if (!url || !['smtp:', 'smtps:'].includes(url.protocol) || !url.hostname) {
      throw new ConfigError(`${file}: "smtp.url" must be smtp://HOST[:PORT] or smtps://HOST[:PORT] (user and password, if any, in the URL)`);
    }
    const from = /<([^<>]+)>\s*$/.exec(config.smtp.from)?.[1] ?? config.smtp.from;
    if (!EMAIL.test(from)) throw new ConfigError(`${file}: "smtp.from" must be an address such as latchkey@example.com or "Latchkey <latchkey@example.com>"`);
  }

  for (const [i, entry] of config.trusted_proxies.entries()) {
    if (!isProxyEntry(entry)) {
      throw new ConfigError(`${file}: "trusted_proxies[${i}]" must be an IP address, a CIDR range or one of loopback, linklocal, uniquelocal (got "${entry}")`);
    }
  }
  return config;
}

function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
