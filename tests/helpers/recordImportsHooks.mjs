// The loader hook behind recordImports.mjs (it runs on the loader's own thread).
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.LATCHKEY_IMPORT_LOG) appendFileSync(process.env.LATCHKEY_IMPORT_LOG, `${result.url}\n`);
  return result;
}
