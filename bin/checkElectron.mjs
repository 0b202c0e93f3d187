#!/usr/bin/env node
// CI's check that Electron's binary is really installed (npm 11 blocks its download script):
// prints where it is, or fails in one line saying how to get it.
import { electronBinary, MISSING_ELECTRON } from './electronBinary.mjs';

const binary = electronBinary();
if (!binary) {
  process.stderr.write(`latchkey: ${MISSING_ELECTRON}\n`);
  process.exit(1);
}
process.stdout.write(`Electron binary: ${binary}\n`);
