import { spawn } from 'node:child_process';

/**
 * Opens a URL for the person at this computer. `$BROWSER` wins when set (the convention
 * gh, git and Python's webbrowser follow, and how a headless box points at something
 * else); otherwise the platform's opener via the `open` package.
 */
export async function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const custom = env.BROWSER?.trim();
  if (!custom) {
    // Loaded here: only `auth login` opens a browser.
    const { default: open } = await import('open');
    await open(url, { wait: false });
    return;
  }
  await new Promise<void>((resolve, reject) => {
    // $BROWSER is a command line: split on spaces, the URL goes last (no shell, so the URL cannot inject one).
    const [cmd, ...args] = custom.split(/\s+/);
    const child = spawn(cmd!, [...args, url], { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
