// Where the Electron executable is, without triggering Electron's own download (which
// `require('electron')` does when it is missing): ELECTRON_OVERRIDE_DIST_PATH, else the
// binary npm's electron package installed, else null.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const electronPackage = join(root, 'node_modules', 'electron');

/** @returns {string | null} */
export function electronBinary(env = process.env) {
  const pathFile = join(electronPackage, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH || join(electronPackage, 'dist');
  const binary = join(dist, relative);
  return existsSync(binary) ? binary : null;
}

export const MISSING_ELECTRON = 'the Electron binary is not installed here (npm blocks its download script, and this machine cannot download it). ' +
  'Where downloads work, run: node node_modules/electron/install.js';
