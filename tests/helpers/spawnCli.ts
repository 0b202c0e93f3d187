import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from './startServer.ts';

/** Runs `latchkey …` as a user would, streaming its output so a test can wait for a line. */
export function spawnCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['bin/latchkey.mjs', ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const poke = () => { for (const w of waiters.splice(0)) w(); };
  child.stdout.on('data', (c) => { stdout += c; poke(); });
  child.stderr.on('data', (c) => { stderr += c; poke(); });
  const exit = new Promise<number>((resolve) => child.once('exit', (code) => { poke(); resolve(code ?? -1); }));
  async function waitFor(text: () => string, re: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const m = re.exec(text());
      if (m) return m;
      if (child.exitCode !== null) throw new Error(`latchkey exited ${child.exitCode} before ${re}: ${stderr}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  }
  return {
    child,
    exit,
    stdout: () => stdout,
    stderr: () => stderr,
    /** Resolves with the first match of `re` in stderr; rejects if the process ends first. */
    waitForStderr: (re: RegExp) => waitFor(() => stderr, re),
    /** The same, in stdout. */
    waitForStdout: (re: RegExp) => waitFor(() => stdout, re),
  };
}

/**
 * A stand-in for the user's browser: `$BROWSER` pointing at a script that records the URL
 * it was asked to open, so the test can drive real Chromium there.
 */
export function fakeBrowserCommand() {
  const dir = tempHome();
  const log = join(dir, 'opened.txt');
  const script = join(dir, 'browser.sh');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\n`);
  chmodSync(script, 0o755);
  return {
    command: script,
    async nextUrl(timeoutMs = 15_000): Promise<string> {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (existsSync(log)) return readFileSync(log, 'utf8').trim().split('\n').at(-1)!;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the CLI never opened a browser');
    },
  };
}
