// npm run bench: every part runs, one after another (never at once: they would disturb each
// other's numbers), even when an earlier one misses its target; the exit code says if any did.
import { spawnSync } from 'node:child_process';

const PARTS = ['startupBench.ts', 'bench.ts', 'proxyBench.ts', 'mcpBench.ts', 'passwordBench.ts', 'auditBench.ts'];
const missed: string[] = [];
for (const part of PARTS) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(`./${part}`, import.meta.url).pathname], { stdio: 'inherit' });
  if (r.status !== 0) missed.push(part);
}
console.log(missed.length ? `\nmissed a target: ${missed.join(', ')}` : '\nevery target met');
process.exitCode = missed.length ? 1 : 0;
