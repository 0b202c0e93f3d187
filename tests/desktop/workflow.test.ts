// The desktop workflow (.github/workflows/desktop.yml) is checked on every `npm test`: against
// GitHub's workflow schema with action-validator (offline: the validator and schema ship in
// the npm package), and for what the workflow must do, since these machines cannot run it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { tempHome } from '../helpers/startServer.ts';

const exec = promisify(execFile);
const WORKFLOW = '.github/workflows/desktop.yml';
const validate = (file: string) => exec(process.execPath, ['node_modules/@action-validator/cli/cli.mjs', file])
  .then(() => ({ code: 0, out: '' }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }));

describe('the desktop CI workflow', () => {
  const text = readFileSync(WORKFLOW, 'utf8');
  const workflow = parse(text);
  const job = workflow.jobs.desktop;
  const runs = (job.steps as Array<{ run?: string; uses?: string; with?: Record<string, string>; if?: string }>);
  const commands = runs.map((s) => s.run ?? '').join('\n');

  it('is a valid GitHub Actions workflow, and the validator does refuse a broken one', async () => {
    const ok = await validate(WORKFLOW);
    assert.equal(ok.code, 0, ok.out);
    const broken = join(tempHome(), 'broken.yml');
    writeFileSync(broken, stringify({ ...workflow, jobs: { desktop: { ...job, 'runs-onn': job['runs-on'] } } }));
    const refused = await validate(broken);
    assert.notEqual(refused.code, 0, 'a misspelt key fails validation');
    assert.match(refused.out, /runs-onn/);
  });

  it('runs on Linux, macOS and Windows with Node 20 and 22, caching npm and Electron downloads', () => {
    assert.deepEqual(job.strategy.matrix.os, ['ubuntu-latest', 'macos-latest', 'windows-latest']);
    assert.deepEqual(job.strategy.matrix.node, [20, 22]);
    assert.equal(job.strategy['fail-fast'], false, 'one system failing still shows the others');
    assert.ok(runs.some((s) => s.uses?.startsWith('actions/setup-node@') && s.with?.cache === 'npm'));
    const cache = runs.find((s) => s.uses?.startsWith('actions/cache@'));
    assert.match(String(cache?.with?.path), /electron/);
    assert.match(String(job.env.ELECTRON_CACHE), /\.cache\/electron/);
  });

  it('installs, fetches Electron explicitly and fails clearly without it, tests, runs the _electron suite for real (xvfb on Linux), builds and uploads', () => {
    const order = ['npm ci', 'node node_modules/electron/install.js', 'node bin/checkElectron.mjs', 'npm test', 'npm run test:electron', 'npm run dist'];
    let at = -1;
    for (const command of order) {
      const i = commands.indexOf(command);
      assert.ok(i > at, `${command} runs, after the step before it`);
      at = i;
    }
    assert.match(commands, /xvfb-run --auto-servernum npm run test:electron/);
    assert.equal(job.env.LATCHKEY_REQUIRE_ELECTRON, '1', 'a skipped _electron suite fails this workflow');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    assert.equal(pkg.scripts['test:electron'], 'node --import tsx --test tests/desktop/electron.test.ts');
    const installers = runs.find((s) => s.uses?.startsWith('actions/upload-artifact@') && String(s.with?.name).startsWith('installers-'));
    for (const ext of ['AppImage', 'deb', 'dmg', 'exe']) assert.match(String(installers?.with?.path), new RegExp(`release/\\*\\.${ext}`));
    const traces = runs.find((s) => s.uses?.startsWith('actions/upload-artifact@') && String(s.with?.name).startsWith('traces-'));
    assert.equal(traces?.if, 'failure()');
    assert.match(String(traces?.with?.path), /test-results/);
    assert.ok(!/CSC_LINK|APPLE_ID|WIN_CSC/.test(text), 'installers are unsigned: no signing secrets');
  });
});
