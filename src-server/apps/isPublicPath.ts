/**
 * Whether a request path is one of the app's public paths (exact, or below an entry ending
 * in "/"). Matched on the normalised path, and strictly: a path an upstream might resolve
 * elsewhere than it reads is never public, so it simply needs sign-in. That covers "." and
 * ".." segments, empty segments, any encoded "/", "\", "." or "%" (double encoding), ";"
 * parameters, NUL and other control bytes, and undecodable escapes.
 */
export function isPublicPath(publicPaths: readonly string[], rawPath: string): boolean {
  if (publicPaths.length === 0) return false;
  if (/[;\\\u0000-\u001f\u007f]/.test(rawPath) || /%(?:2f|5c|2e|25|00|3b)/i.test(rawPath)) return false;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return false;
  }
  if (/[;\\%\u0000-\u001f\u007f]/.test(path)) return false;
  const segments = path.split('/').slice(1);
  if (segments.some((seg, i) => seg === '.' || seg === '..' || (seg === '' && i !== segments.length - 1))) return false;
  return publicPaths.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));
}
