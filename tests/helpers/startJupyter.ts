import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './tunnel.ts';
import { spawnUntil } from './spawnUntil.ts';

/** Why Jupyter Notebook cannot run here, or null. */
export function jupyterMissing(): string | null {
  try {
    execFileSync('jupyter-notebook', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'jupyter-notebook is not installed (apt-get install -y jupyter-notebook)';
  }
}

/**
 * Debian's Jupyter Notebook, started as the README says for a mount at /jupyter: its own token
 * kept, base_url set to the mount (Latchkey serves apps at their full path), nothing else.
 */
export async function startJupyter(token: string) {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-jupyter-'));
  const port = await freePort();
  const root = process.getuid?.() === 0 ? ['--allow-root'] : [];
  const jupyter = await spawnUntil('jupyter-notebook', ['--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0',
    `--NotebookApp.token=${token}`, '--NotebookApp.base_url=/jupyter/', `--notebook-dir=${dir}`, ...root], /is running at/, {
    what: 'jupyter-notebook', cwd: dir, env: { ...process.env, JUPYTER_CONFIG_DIR: join(dir, '.jupyter'), JUPYTER_DATA_DIR: join(dir, '.data'), JUPYTER_RUNTIME_DIR: join(dir, '.runtime') },
  });
  return { dir, url: `http://127.0.0.1:${port}`, log: jupyter.log, stop: jupyter.stop };
}
