import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startBehindTunnel } from '../helpers/startBehindTunnel.ts';
import { jupyterMissing, startJupyter } from '../helpers/startJupyter.ts';
import { nextMissing, startNext } from '../helpers/startNext.ts';
import type { TestServer } from '../helpers/startServer.ts';
import { phoneAsking } from '../helpers/uiFixture.ts';

// CI installs both (.ci/run); elsewhere a missing one skips this file with one line, never passes it.
const missing = [jupyterMissing(), nextMissing()].filter(Boolean).join('; ');
if (missing && process.env.CI) throw new Error(`real apps: ${missing}`);

const TOKEN = 'jupyter-own-token-kept';

/**
 * Real apps behind the gate, each added with the README's one line ("Apps that work") and no
 * setting in the app for Latchkey, driven from a paired phone in Chromium through the nginx TLS
 * front: Debian's Jupyter Notebook at /jupyter, and a stock Next.js dev server at /.
 */
describe('real apps behind the gate from a paired phone: Jupyter Notebook and a Next.js dev server (real Chromium)', { skip: missing || false }, () => {
  let jupyter: Awaited<ReturnType<typeof startJupyter>>;
  let next: Awaited<ReturnType<typeof startNext>>;
  let server: TestServer;
  let browser: Browser;
  let box: string;
  let phone: { context: BrowserContext; page: Page };
  let front: Awaited<ReturnType<typeof startBehindTunnel>>;

  before(async () => {
    [jupyter, next] = await Promise.all([startJupyter(TOKEN), startNext()]);
    // README, "Apps that work": the lines a user writes, nothing more.
    front = await startBehindTunnel((origin) => ({
      config: { public_origins: [origin], apps: [{ name: 'jupyter', upstream: jupyter.url, path: '/jupyter' }, { name: 'next', upstream: next.url }] },
    }));
    ({ server, browser, box } = front);
    const asking = await phoneAsking(browser, box, { name: 'Test phone' });
    assert.equal((await server.api('POST', '/.latchkey/api/devices/pending/approve', { code: asking.code })).status, 200);
    await asking.page.getByTestId('signed-in-as').waitFor();
    phone = asking;
  });
  after(async () => {
    await phone?.context.close();
    await front?.close();
    await Promise.all([jupyter?.stop(), next?.stop()]);
  });

  it('Jupyter: the tree loads, a notebook runs a cell over the kernel WebSocket, and a file downloads from /jupyter/files/', async () => {
    const { page } = phone;
    const refused: string[] = [];
    page.on('response', (r) => { if (r.status() === 403) refused.push(r.url()); });
    // Jupyter's own token still guards it: opened once from the phone, Jupyter keeps its own cookie.
    await page.goto(`${box}/jupyter/tree?token=${TOKEN}`);
    await page.locator('#notebook_list').waitFor();

    // As Jupyter's own front end does: the API with its _xsrf cookie echoed, from the page (so Origin and Referer are the browser's).
    const made = await page.evaluate(async () => {
      const xsrf = decodeURIComponent(/(?:^|; )_xsrf=([^;]+)/.exec(document.cookie)?.[1] ?? '');
      const headers = { 'content-type': 'application/json', 'x-xsrftoken': xsrf };
      const notebook = await fetch('/jupyter/api/contents', { method: 'POST', headers, body: JSON.stringify({ type: 'notebook' }) });
      const file = await fetch('/jupyter/api/contents/hello.txt', { method: 'PUT', headers, body: JSON.stringify({ type: 'file', format: 'text', content: 'hello from the notebook dir\n' }) });
      return { notebook: notebook.status, path: (await notebook.json()).path as string, file: file.status };
    });
    assert.deepEqual([made.notebook, made.file], [201, 201], `Jupyter refused: ${jupyter.log().split('\n').filter((l) => /Blocking|40[34]/.test(l)).join(' | ')}`);

    await page.goto(`${box}/jupyter/notebooks/${made.path}`);
    await page.locator('#notebook_panel .code_cell .CodeMirror').first().waitFor();
    // The kernel is connected over its channels WebSocket before a cell can run.
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?.kernel?.is_connected?.() === true, undefined, { timeout: 60_000 });
    await page.locator('.code_cell .CodeMirror').first().click();
    await page.keyboard.type('print(6 * 7)');
    await page.keyboard.press('Shift+Enter');
    await page.locator('.output_area .output_text').getByText('42').waitFor({ timeout: 30_000 });

    await page.goto(`${box}/jupyter/tree`);
    await page.locator('#notebook_list').getByText('hello.txt').waitFor();
    // A download, as the browser makes it from the tree: a navigation that carries the tree page as Referer.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.evaluate(() => {
        const a = Object.assign(document.createElement('a'), { href: '/jupyter/files/hello.txt?download=1' });
        document.body.append(a);
        a.click();
      }),
    ]);
    assert.equal(readFileSync(await download.path(), 'utf8'), 'hello from the notebook dir\n');
    assert.deepEqual(refused, [], 'nothing Jupyter served was refused');
  });

  it('Next.js: the page hydrates, a Server Action answers, and an edit to the page arrives over HMR without a reload', async () => {
    const { page } = phone;
    await page.goto(`${box}/`);
    await page.locator('#title').getByText('Hello from Next').waitFor();
    // Hydrated: the client component counts.
    await page.locator('#count').click();
    await page.locator('#count').getByText('Clicked 1').waitFor();
    // The Server Action: a POST Next checks against Origin and X-Forwarded-Host.
    await page.locator('#ask').click();
    await page.locator('#answer').getByText('The Server Action answered the phone.').waitFor({ timeout: 30_000 });

    // Next's HMR socket (/_next/hmr) is open through the gate before the edit.
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/_next/')));
    // A reload would clear this; Next's refresh of a server component may touch history (same document), which is fine.
    await page.evaluate(() => { (window as any).beforeEdit = true; });
    const pageFile = join(next.dir, 'app', 'page.js');
    writeFileSync(pageFile, readFileSync(pageFile, 'utf8').replace('Hello from Next', 'Hello again from Next'));
    await page.locator('#title').getByText('Hello again from Next').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => (window as any).beforeEdit), true, `a hot update, not a reload; next dev said:\n${next.log()}`);
    assert.equal(await page.locator('#count').innerText(), 'Clicked 1', 'the client component kept its state');
  });

});
