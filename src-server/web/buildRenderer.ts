import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface RendererBundle {
  js: string;
  css: string;
}

const entry = fileURLToPath(new URL('../../src-renderer/main.tsx', import.meta.url));

/**
 * Bundles the React pages once, in memory, at start-up (about a second), so a fresh
 * `npm ci && npx latchkey serve` needs no separate build step.
 */
export async function buildRenderer(): Promise<RendererBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    outdir: '/assets',
    format: 'esm',
    minify: true,
    target: ['es2020', 'safari15'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const find = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: find('.js'), css: find('.css') };
}
