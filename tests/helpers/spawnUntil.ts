import { spawn, type SpawnOptions } from 'node:child_process';

/**
 * Starts a real app (a dev server, Jupyter) and waits until its output says it is ready.
 * Resolves with the output seen so far, the output to come (`log()`, for a failing test's
 * message) and `stop()`, which ends the app and its children (the whole process group).
 */
export async function spawnUntil(command: string, args: string[], ready: RegExp, opts: SpawnOptions & { what: string; timeoutMs?: number }) {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  // Colour codes stripped: with CI set, dev servers colour their output even into a pipe ("Local:" would not match).
  const add = (c: Buffer) => { out += String(c).replace(/\u001b\[[0-9;]*m/g, ''); };
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (!ready.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${opts.what} exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`${opts.what} was not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    output: out,
    log: () => out,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      process.kill(-child.pid!, 'SIGTERM');
      // Jupyter asks before it shuts its kernels down on the first signal; the second one is final.
      setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } }, 3_000).unref();
    }),
  };
}
