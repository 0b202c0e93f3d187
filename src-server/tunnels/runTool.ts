import { execFile } from 'node:child_process';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a tunnel tool's CLI once (never through a shell) and collects its output.
 * Resolves null when the tool is not installed (not on PATH).
 */
export function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<ToolResult | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
      if (e?.code === 'ENOENT') return resolve(null);
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The first line worth showing a person: no timestamps, log levels or blank lines. */
export function firstMessage(text: string): string {
  const line = text.split('\n').map((l) => l.replace(/^\S+Z\s+(ERR|INF|WRN)\s+/, '').trim()).find((l) => l.length > 0);
  return line ?? '(no output)';
}
