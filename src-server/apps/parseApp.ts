import { BlockList, isIP } from 'node:net';
import { isLatchkeyPath } from '../web/latchkeyPaths.ts';
import { APP_NAME, suggestAppName } from './appName.ts';

/** An app behind the gate, as config.json and `latchkey apps add` spell it. */
export interface AppConfig {
  name: string;
  upstream: string;
  path?: string;
  origins?: string[];
  public_paths?: string[];
  public_upgrades?: string[];
  host_header?: 'upstream' | 'public';
  /** false: the app can never be shared with a guest (latchkey share). */
  shareable?: boolean;
  /** An MCP server (Streamable HTTP): agents reach it with a key or an OAuth token bound to it. */
  mcp?: boolean | { deny_tools?: string[]; max_body?: number };
}

/** What the gate knows of an MCP app: which tools it refuses by name, and how big a JSON-RPC body it reads. */
export interface McpSpec {
  /** Exact names, or prefixes written NAME* ("admin_*"). */
  denyTools: string[];
  /** The largest request body read for tools/call names (bytes); a larger one is refused (413). */
  maxBody: number;
}

export const MCP_DEFAULT_MAX_BODY = 1024 * 1024;

/** The same app, checked and normalised once, at start-up or when added. */
export interface AppSpec {
  name: string;
  /** The upstream's origin, e.g. http://127.0.0.1:5173 (apps are served at their full path, nothing stripped). */
  upstream: string;
  /** Mount prefix without a trailing slash ('' for the site root). */
  path: string;
  /** Public origins the app answers on ("localhost" = the computer's local listener); null = every origin. */
  origins: string[] | null;
  /** Exact paths, or prefixes ending in "/", served without sign-in. */
  publicPaths: string[];
  /** Paths where an Upgrade (WebSocket) may open without sign-in; empty unless the config names them. */
  publicUpgrades: string[];
  hostHeader: 'upstream' | 'public';
  /** Whether a share may open it to a guest (default yes; the owner still makes each share). */
  shareable: boolean;
  /** Set for an MCP server (`"mcp"` in its config), null for any other app. */
  mcp: McpSpec | null;
}

function parseMcp(raw: AppConfig['mcp']): McpSpec | null {
  if (raw === undefined || raw === false) return null;
  if (raw === true) return { denyTools: [], maxBody: MCP_DEFAULT_MAX_BODY };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('"mcp" must be true, false or an object such as { "deny_tools": ["admin_*"] }');
  const unknown = Object.keys(raw).find((k) => k !== 'deny_tools' && k !== 'max_body');
  if (unknown) throw new Error(`"mcp" has no option "${unknown}" (it takes deny_tools and max_body)`);
  const deny = raw.deny_tools ?? [];
  if (!Array.isArray(deny) || deny.some((t) => typeof t !== 'string' || !/^[A-Za-z0-9_./-]{1,128}\*?$/.test(t))) {
    throw new Error('"mcp.deny_tools" must list tool names, or prefixes ending in * ("admin_*"): letters, digits, _ - . /');
  }
  const maxBody = raw.max_body ?? MCP_DEFAULT_MAX_BODY;
  if (!Number.isInteger(maxBody) || maxBody < 1024 || maxBody > 16 * 1024 * 1024) throw new Error('"mcp.max_body" must be a whole number of bytes from 1024 to 16777216');
  return { denyTools: deny, maxBody };
}

// Where a local app can live: this computer, a private network, or a tailnet (CGNAT range). Never the internet.
const nearby = new BlockList();
nearby.addSubnet('127.0.0.0', 8, 'ipv4');
nearby.addSubnet('10.0.0.0', 8, 'ipv4');
nearby.addSubnet('172.16.0.0', 12, 'ipv4');
nearby.addSubnet('192.168.0.0', 16, 'ipv4');
nearby.addSubnet('100.64.0.0', 10, 'ipv4');
nearby.addAddress('::1', 'ipv6');
nearby.addSubnet('fc00::', 7, 'ipv6');
// Link-local is refused by name: 169.254.169.254 is the cloud metadata service, and neither range is "your network".
const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');

/** `::ffff:a9fe:a9fe` (how URL spells ::ffff:169.254.169.254) → 169.254.169.254; anything else unchanged. */
function unmapped(host: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const m = /^::ffff:(?:([0-9a-f]{1,4}):([0-9a-f]{1,4})|(\d+\.\d+\.\d+\.\d+))$/i.exec(host);
  if (!m) return { address: host, type: isIP(host) === 4 ? 'ipv4' : 'ipv6' };
  if (m[3]) return { address: m[3], type: 'ipv4' };
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return { address: [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.'), type: 'ipv4' };
}


/** The upstream's origin, or why it cannot be one. */
export function parseUpstream(raw: string): { origin: string } | { problem: string } {
  // "localhost:5173" parses as a URL whose scheme is "localhost:", "127.0.0.1:8888" as none: say what was meant.
  if (/^[a-z0-9.-]+:\d+$/i.test(raw.trim())) return { problem: `needs its scheme: "${raw}" is not a URL; did you mean http://${raw.trim()}?` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `"${raw}" is not a URL; use the address the app prints, e.g. http://localhost:5173` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `must be http:// or https://, not ${url.protocol}` };
  if (url.username || url.password) return { problem: 'must not carry a user name or password' };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return { problem: 'must be an origin only (scheme, host, port), with no path: the app is served at its full path' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return { origin: url.origin };
  const family = isIP(host);
  if (family === 0) {
    return { problem: `must name an IP address or localhost, not "${host}": a host name could resolve to anywhere` };
  }
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
  const { address, type } = unmapped(host);
  if (linkLocal.check(address, type)) {
    return { problem: `${host} is a link-local address (169.254.0.0/16, fe80::/10, where cloud metadata services answer); Latchkey puts only loopback, private and tailnet addresses behind the gate` };
  }
  if (!nearby.check(address, type)) {
    return { problem: `${host} is not a loopback or private address; Latchkey only puts apps on this computer or your own network behind the gate` };
  }
  return { origin: url.origin };
}

/** A mount prefix or public path: plain segments only, so no reading of it can climb out of it. */
function cleanPath(raw: string, allowTrailingSlash: boolean): string | null {
  if (!raw.startsWith('/') || raw.length > 256) return null;
  if (/[%\\;\s\u0000-\u001f\u007f?#]/.test(raw)) return null;
  const segments = raw.split('/').slice(1);
  const last = segments.length - 1;
  if (segments.some((seg, i) => seg === '.' || seg === '..' || (seg === '' && !(i === last && (allowTrailingSlash || raw === '/'))))) return null;
  return raw;
}

/** Checks one app; throws a message naming the field (the caller adds where the app came from). */
export function parseApp(app: AppConfig, publicOrigins: readonly string[], reserved: readonly string[] = []): AppSpec {
  if (!APP_NAME.test(app.name)) {
    const offer = suggestAppName(app.name);
    throw new Error(`"name" must be 1–32 lower-case letters, digits, - or _ (got "${app.name}")${offer ? `; "${offer}" would do` : ''}`);
  }
  const upstream = parseUpstream(app.upstream);
  if ('problem' in upstream) throw new Error(`"upstream" ${upstream.problem}`);
  const path = cleanPath(app.path ?? '/', true);
  if (path === null) throw new Error(`"path" must be a plain path such as / or /jupyter (got "${app.path}")`);
  const mount = path.replace(/\/+$/, '');
  if (isLatchkeyPath(mount || '/') || mount === '/.well-known/webauthn') throw new Error(`"path" ${path} is reserved for Latchkey itself`);
  const origins = app.origins?.map((o) => {
    if (o === 'localhost') return o;
    const known = publicOrigins.find((p) => p === o.replace(/\/$/, '').toLowerCase());
    if (!known) throw new Error(`"origins" entry "${o}" is neither "localhost" nor one of public_origins`);
    if (reserved.includes(known)) throw new Error(`"origins" entry "${o}" is kept for Latchkey's own pages (admin_origin or auth_origin): no app is served there`);
    return known;
  }) ?? null;
  const plainPaths = (field: 'public_paths' | 'public_upgrades') => (app[field] ?? []).map((p) => {
    const clean = cleanPath(p, true);
    if (clean === null) throw new Error(`"${field}" entry "${p}" must be a plain path (no %, ., .., ;, \\ or empty segments)`);
    if (mount && clean !== mount && !clean.startsWith(`${mount}/`)) throw new Error(`"${field}" entry "${p}" is outside the app's path ${path}`);
    return clean;
  });
  const publicPaths = plainPaths('public_paths');
  // A public path is for a manifest or a health check; a live channel without sign-in must be asked for by name.
  const publicUpgrades = plainPaths('public_upgrades');
  return { name: app.name, upstream: upstream.origin, path: mount, origins, publicPaths, publicUpgrades, hostHeader: app.host_header ?? 'upstream', shareable: app.shareable !== false, mcp: parseMcp(app.mcp) };
}

/** Checks the whole list: each app, unique names, and no two apps on the same path for the same origin. */
export function parseApps(apps: readonly AppConfig[], publicOrigins: readonly string[], reserved: readonly string[] = []): AppSpec[] {
  const specs = apps.map((app, i) => {
    try {
      return parseApp(app, publicOrigins, reserved);
    } catch (err) {
      throw new Error(`"apps[${i}]": ${(err as Error).message}`);
    }
  });
  for (const [i, a] of specs.entries()) {
    for (const b of specs.slice(0, i)) {
      if (a.name === b.name) throw new Error(`"apps[${i}]": the name "${a.name}" is used twice`);
      const shared = a.origins === null || b.origins === null || a.origins.some((o) => b.origins!.includes(o));
      if (a.path === b.path && shared) throw new Error(`"apps[${i}]": "${a.name}" and "${b.name}" are both mounted at ${a.path || '/'} on the same origin`);
    }
  }
  return specs;
}
