import { PRINCIPALS, type Principal } from './Principal.ts';
import { ROUTE_RULES, type RouteRule } from './routeRules.ts';

const WORDS: Record<Principal, string> = {
  computer: 'computer', owner_device: 'phone', fallback_browser: 'fallback browser', guest: 'guest', token: 'token', agent: 'agent', open: 'open', anonymous: 'anyone',
};

function who(rule: RouteRule): string {
  if (PRINCIPALS.every((p) => rule.who.includes(p))) return 'anyone';
  return rule.who.map((p) => WORDS[p]).join(', ');
}

function scope(rule: RouteRule, method: string): string {
  if (!rule.who.includes('token')) return '—';
  if (rule.tokenScope) return `\`${rule.tokenScope}\``;
  if (rule.scope === null) return 'any';
  const feature = rule.scope ?? 'api';
  return `\`${feature}:${method === 'GET' ? 'read' : 'write'}\``;
}

/**
 * The README's "who may do what" table, made from the access table itself (routeRules), so
 * the page and the code cannot say different things: `npm run access-table` writes it into
 * README.md, and tests/unit/accessTable.test.ts fails when the two differ.
 */
export function renderAccessTable(): string {
  const rows = Object.entries(ROUTE_RULES).map(([key, rule]) => {
    const [method, path] = key.split(' ') as [string, string];
    const also = [rule.stepUp ? (rule.own ? 'step-up for another' : 'step-up from a phone') : '', rule.own ? `own ${rule.own} only` : '', rule.limit ? `limit: ${rule.limit}` : '', rule.noOrigin ? 'no Origin needed' : '', rule.note ?? '']
      .filter(Boolean).join('; ');
    return `| \`${method} ${path}\` | ${who(rule)} | ${scope(rule, method)} | ${rule.listener === 'local' ? (rule.approver ? 'local; phone if allowed' : 'local only') : 'both'} | ${rule.origin === 'admin' ? 'admin only' : 'any'} | ${also} |`;
  });
  return ['| route | who | token needs | listener | origin | also |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

export const TABLE_START = '<!-- access-table:start (npm run access-table writes this) -->';
export const TABLE_END = '<!-- access-table:end -->';

/** README text with the table between its markers replaced by the current one. */
export function withAccessTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} section`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderAccessTable()}\n${readme.slice(end)}`;
}
