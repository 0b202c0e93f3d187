import { spawn } from 'node:child_process';

/**
 * Runs a writer script (`node --import tsx SCRIPT HOME PREFIX`) until it has acknowledged at
 * least `minAcks` writes ("ack ID" lines), plus a random few milliseconds, then SIGKILLs it.
 * Resolves with the acknowledged ids: each one must survive the kill.
 */
export function writeThenKill(script: string, home: string, prefix: string, minAcks: number, jitterMs = 15): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, home, prefix]);
    const acked: string[] = [];
    let buffer = '';
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (acked.length >= minAcks && !killTimer) {
        // A random moment, so kills land in every phase of a write.
        killTimer = setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * jitterMs));
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended by itself: ${code}`));
      resolve(acked);
    });
  });
}
