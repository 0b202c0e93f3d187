import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempHome } from '../helpers/startServer.ts';
import { writeThenKill } from '../helpers/writeThenKill.ts';

describe('trusted-passkeys.json under kill -9', () => {
  it('always parses and never loses an acknowledged write, over 25 kills', async () => {
    const home = tempHome();
    const acknowledged: string[] = [];
    for (let round = 0; round < 25; round++) {
      acknowledged.push(...await writeThenKill('tests/store/storeWriter.ts', home, `r${round}`, 1 + (round % 4)));
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
