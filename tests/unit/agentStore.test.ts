import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openAgentStore } from '../../src-server/agents/openAgentStore.ts';
import { createManualClock } from '../../src-server/time/Clock.ts';
import { tempHome } from '../helpers/startServer.ts';

/** The OAuth server's storage (oidc-provider's adapter interface over agents.json): what it keeps, and what it never writes. */
describe('agents.json: the OAuth server\'s store', () => {
  it('keeps tokens under their SHA-256 only, finds them again after a restart, and forgets expired ones', async () => {
    const home = tempHome();
    const clock = createManualClock();
    const store = await openAgentStore(home, clock, () => {});
    const token = 'a-secret-access-token-value-0123456789abcdef';
    await new store.Adapter('AccessToken').upsert(token, { jti: token, clientId: 'c1', aud: 'https://box/mcp', accountId: 'computer' }, 3600);
    await new store.Adapter('Client').upsert('c1', { client_id: 'c1', client_name: 'Claude', redirect_uris: ['http://127.0.0.1:1/cb'] });
    await store.flush();
    const file = readFileSync(join(home, 'agents.json'), 'utf8');
    assert.equal(file.includes(token), false, 'the token itself is never written');
    assert.equal(statSync(join(home, 'agents.json')).mode & 0o777, 0o600);
    const again = await openAgentStore(home, clock, () => {});
    assert.deepEqual(again.accessToken(token), { jti: token, clientId: 'c1', aud: 'https://box/mcp', accountId: 'computer' });
    assert.equal(again.accessToken('another-value'), undefined);
    clock.advance(3601_000);
    assert.equal(again.accessToken(token), undefined, 'expired');
    assert.equal(again.client('c1')?.client_name, 'Claude');
  });

  it('past its cap, sweeps what is in memory oldest first and drops only registrations never granted; removing a client takes its grants and tokens', async () => {
    const clock = createManualClock();
    const store = await openAgentStore(tempHome(), clock, () => {}, 5);
    const interactions = new store.Adapter('Interaction');
    for (let i = 0; i < 8; i++) await interactions.upsert(`i${i}`, { uid: `i${i}` }, 600);
    assert.equal(store.all('Interaction').length, 5);
    assert.equal(await interactions.find('i0'), undefined, 'the oldest went');
    assert.deepEqual(await interactions.find('i7'), { uid: 'i7' });

    const clients = new store.Adapter('Client');
    await clients.upsert('allowed', { client_id: 'allowed' });
    await new store.Adapter('Grant').upsert('g1', { clientId: 'allowed', accountId: 'computer' }, 3600);
    await new store.Adapter('RefreshToken').upsert('rt-secret', { clientId: 'allowed', grantId: 'g1' }, 3600);
    for (let i = 0; i < 8; i++) await clients.upsert(`stranger${i}`, { client_id: `stranger${i}` });
    const ids = store.all('Client').map((c) => c.client_id);
    assert.equal(ids.length, 5);
    assert.ok(ids.includes('allowed'), 'an allowed client is never swept');
    assert.equal(await store.removeClient('allowed'), true);
    assert.deepEqual([store.all('Grant').length, store.all('RefreshToken').length], [0, 0]);
    assert.equal(await store.removeClient('allowed'), false);
  });
});
