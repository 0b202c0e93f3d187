import { HIDDEN_CHARACTERS } from '../text/revealHidden.ts';

const HIDDEN = new RegExp(`[${HIDDEN_CHARACTERS}]`, 'u');
// A stand-in origin to resolve against: only a path that stays on it is a path of this site.
const HERE = 'https://here.invalid';

/**
 * A same-origin path to send a browser back to (after pairing, sign-in or a handoff), ready for
 * a `Location` header or `location.assign`, or null when `value` cannot be one. Shared by the
 * server and the pages, so both refuse the same tricks (issue 21, finding 2):
 * - not a string, longer than 512, or not starting with one "/";
 * - "//host", "/\host", and their encoded forms "/%2F…", "/%5C…" (a server that decodes once sees "//");
 * - any whitespace or hidden character: browsers drop tab, CR and LF, so "/\t/host" reads as "//host";
 * - anything that, resolved against the origin as a browser does, leaves it.
 * Anything else outside printable ASCII is percent-encoded, as a header cannot carry it.
 *
 * @example parseReturnPath('/jupyter/tree?x=1') // '/jupyter/tree?x=1'
 * @example parseReturnPath('/\t/evil.example') // null
 */
export function parseReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 512 || !/^\/(?![/\\])/.test(value)) return null;
  if (/\s/u.test(value) || HIDDEN.test(value) || /^\/%(?:2f|5c)/i.test(value)) return null;
  let encoded: string;
  try {
    encoded = value.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  } catch {
    return null; // a lone surrogate cannot be encoded
  }
  let url: URL;
  try {
    url = new URL(encoded, HERE);
  } catch {
    return null;
  }
  if (url.origin !== HERE || url.pathname.startsWith('//')) return null;
  return encoded;
}

/** Like parseReturnPath, with "/" for anything that cannot be a return path (absent included). */
export function safeReturnPath(value: unknown): string {
  return parseReturnPath(value) ?? '/';
}
