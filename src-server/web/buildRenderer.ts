import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RendererBundle {
  js: string;
  css: string;
  /** The app icon (512 px PNG): favicon, apple-touch-icon and the web manifest's icon. */
  icon: Buffer;
}

const entry = fileURLToPath(new URL('../../src-renderer/main.tsx', import.meta.url));
const iconFile = fileURLToPath(new URL('../../assets/icon.png', import.meta.url));

/**
 * Bundles the React pages, at start-up (about a second) so a fresh `npm ci && npx latchkey
 * serve` needs no separate build step, or to `outdir` when building the desktop app.
 * esbuild is loaded only here, so a packaged app that ships a prebuilt bundle never runs it.
 */
export async function buildRenderer(outdir?: string): Promise<RendererBundle> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: outdir !== undefined,
    outdir: outdir ?? '/assets',
    entryNames: 'app',
    format: 'esm',
    minify: true,
    target: ['es2020', 'safari15'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  if (outdir !== undefined) {
    copyFileSync(iconFile, join(outdir, 'icon.png'));
    return readRendererBundle(outdir);
  }
  const find = (ext: string) => result.outputFiles?.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: find('.js'), css: find('.css'), icon: readFileSync(iconFile) };
}

/** A bundle built earlier with `buildRenderer(dir)`. */
export function readRendererBundle(dir: string): RendererBundle {
  return { js: readFileSync(join(dir, 'app.js'), 'utf8'), css: readFileSync(join(dir, 'app.css'), 'utf8'), icon: readFileSync(join(dir, 'icon.png')) };
}
