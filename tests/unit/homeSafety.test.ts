import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { prepareHome } from '../../src-server/app/prepareHome.ts';
import { tempHome } from '../helpers/startServer.ts';
import { spawnCli } from '../helpers/spawnCli.ts';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** Review finding 9: a home folder someone else could have written is refused, as ssh refuses such a ~/.ssh. */
describe('the home folder must be ours alone', () => {
  const refuses = (home: string, pattern: RegExp) => assert.throws(() => prepareHome(home, () => {}),
    (e: Error & { code?: string }) => e.code === 'home_unsafe' && pattern.test(e.message));

  it('a 0777 home of ours is tightened to 0700 and kept, with a warning', () => {
    const home = tempHome();
    chmodSync(home, 0o777);
    const warnings: string[] = [];
    prepareHome(home, (m) => warnings.push(m));
    assert.match(warnings[0]!, /now 0700/);
  });

  it('a store file that is a symbolic link is refused, naming the file and the fix', () => {
    const home = tempHome();
    const elsewhere = join(tempHome(), 'elsewhere.json');
    writeFileSync(elsewhere, '{}');
    symlinkSync(elsewhere, join(home, 'trusted-passkeys.json'));
    refuses(home, /trusted-passkeys\.json is not a plain file.*remove it/);
  });

  it('a store file writable by others is refused', () => {
    const home = tempHome();
    writeFileSync(join(home, 'config.json'), '{}', { mode: 0o600 });
    chmodSync(join(home, 'config.json'), 0o666);
    refuses(home, /config\.json is writable by other users.*chmod 600/);
  });

  it('a home folder or config.json owned by another user is refused, and `latchkey serve` says so in one line', { skip: isRoot ? false : 'needs root to give a file to another user' }, async () => {
    const home = tempHome();
    chownSync(home, NOBODY, NOBODY);
    chmodSync(home, 0o777);
    writeFileSync(join(home, 'config.json'), JSON.stringify({ require_auth: false }));
    refuses(home, new RegExp(`${home} belongs to another user \\(uid ${NOBODY}\\).*chown`));

    const cli = spawnCli(['serve', '--home', home, '--local-port', '0', '--remote-port', '0']);
    assert.equal(await cli.exit, 1);
    const lines = cli.stderr().trim().split('\n');
    assert.equal(lines.length, 1, cli.stderr());
    assert.match(lines[0]!, /^latchkey: .* belongs to another user/);
    assert.doesNotMatch(cli.stderr(), /GATE IS OFF/, 'its config was never read');

    const ours = tempHome();
    mkdirSync(ours, { recursive: true });
    writeFileSync(join(ours, 'config.json'), '{}', { mode: 0o600 });
    chownSync(join(ours, 'config.json'), NOBODY, NOBODY);
    refuses(ours, /config\.json belongs to another user/);
  });
});
