import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempHome } from '../helpers/startServer.ts';

/** Runs the writer until it has acknowledged at least `minAcks` writes plus a random extra delay, then SIGKILLs it. */
function writeThenKill(home: string, prefix: string, minAcks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/store/storeWriter.ts', home, prefix]);
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
        killTimer = setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 15));
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended by itself: ${code}`));
      resolve(acked);
    });
  });
}

describe('trusted-passkeys.json under kill -9', () => {
  it('always parses and never loses an acknowledged write, over 25 kills', async () => {
    const home = tempHome();
    const acknowledged: string[] = [];
    for (let round = 0; round < 25; round++) {
      acknowledged.push(...await writeThenKill(home, `r${round}`, 1 + (round % 4)));
      const file = join(home, 'trusted-passkeys.json');
      const data = JSON.parse(readFileSync(file, 'utf8'));
      const ids = new Set(data.passkeys.map((p: { id: string }) => p.id));
      for (const id of acknowledged) assert.ok(ids.has(id), `acknowledged ${id} missing after round ${round}`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
    }
    assert.ok(acknowledged.length >= 25);
    assert.deepEqual(readdirSync(home).filter((f) => f.includes('corrupt')), [], 'no file was ever found corrupt');
  });
});
