import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnCli } from '../helpers/spawnCli.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

// Raw bytes that would drive or mislead a terminal: C1 CSI, ESC, bidi override and isolate, zero-width space.
const RAW = /[\u001b\u009b\u202e\u2066\u200b]/;

/** Review finding 5: the CLI never writes a hidden character to the terminal, whatever a stored name holds. */
describe('CLI text output escapes control and direction characters', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    // Names like these are refused today; one stored before that (or by an older version) must still print safely.
    const name = 'pho\u009b31mne \u202e74 \u2066x\u200b \u001b[2J';
    s.lk.services.pending.create({
      name, device_type: 'iPhone', browser: 'Safari', os: 'iOS', origin: 'https://box.alice.ts.net', rp_id: 'alice.ts.net',
      fingerprint: '0000 0000 0000 0000', ip: '203.0.113.4', device: testPasskey('dev_hidden', { name }),
    }, { listener: 'remote', ip: '203.0.113.4' });
  });
  after(() => s.close());

  for (const json of [false, true]) {
    it(`devices pending${json ? ' --json' : ''} shows the hidden characters as escapes`, async () => {
      const cli = spawnCli(['devices', 'pending', '--base-url', s.local, ...(json ? ['--json'] : [])], { LATCHKEY_API_TOKEN: '' });
      assert.equal(await cli.exit, 0, cli.stderr());
      assert.ok(!RAW.test(cli.stdout()), JSON.stringify(cli.stdout()));
      if (json) {
        const [row] = JSON.parse(cli.stdout());
        assert.equal(row.name, 'pho\u009b31mne \u202e74 \u2066x\u200b \u001b[2J', 'JSON escapes decode back to the stored name');
      } else {
        assert.match(cli.stdout(), /pho\\u\{009b\}31mne \\u\{202e\}74 \\u\{2066\}x\\u\{200b\} \\u\{001b\}\[2J/);
      }
    });
  }
});
