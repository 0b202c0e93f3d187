import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { installDom, fakeApi } from './fakeApi.ts';

installDom('http://localhost:8787/approve?request=req_1');
const { act, cleanup, fireEvent, render, screen, waitFor } = await import('@testing-library/react');
const { createElement } = await import('react');

const device = (id: string, name: string) => ({
  id, name, device_type: 'iPhone', origin: 'https://box.alice.ts.net', fingerprint: 'abcd ef01 2345 6789',
  created_at: '2026-11-01T10:00:00.000Z', last_used_at: null,
});
const pending = {
  id: 'req_1', name: 'Alice phone', kind: 'passkey', method: 'passkey', rp_id: 'alice.ts.net', device_type: 'iPhone', browser: 'Mobile Safari 17', os: 'iOS 17.4',
  origin: 'https://box.alice.ts.net', fingerprint: 'abcd ef01 2345 6789', ip: '100.64.0.7',
  created_at: '2026-11-22T10:00:00.000Z', expires_at: new Date(Date.now() + 5 * 60_000).toISOString(), expires_in_s: 300,
};


describe('renderer pages (unit, jsdom with a fake API)', () => {
  afterEach(() => cleanup());

  it('a CLI login that came through the tunnel says so above Allow, and the host name reads as the client\'s claim', async () => {
    const login = (viaTunnel: boolean) => ({
      id: 'login_1', flow: 'device', user_code: 'BCDF-GHJK', client_host: 'MacBook-Pro (this computer)', client_ip: '203.0.113.9', via_tunnel: viaTunnel,
      origin: 'https://box.alice.ts.net', scopes: ['fallbacks:write'], expires_at: new Date(Date.now() + 600_000).toISOString(), status: 'pending',
    });
    const { CliLoginPage } = await import('../../src-renderer/pages/CliLoginPage.tsx');
    for (const viaTunnel of [true, false]) {
      window.history.replaceState(null, '', '/.latchkey/cli-login?request=login_1');
      fakeApi({
        'GET /.latchkey/auth/cli/request?id=login_1': () => ({ status: 200, body: { login: login(viaTunnel) } }),
        'POST /.latchkey/auth/cli/approve/options': () => ({ status: 200, body: { ceremony_id: 'c', options: { challenge: 'x' } } }),
      });
      render(createElement(CliLoginPage));
      await screen.findByTestId('client-host');
      assert.match(document.body.textContent!, /calls itself MacBook-Pro \(this computer\) \(a name it chose/);
      const warning = screen.queryByTestId('via-tunnel');
      if (viaTunnel) assert.match(warning!.textContent!, /came in through the tunnel \(from 203\.0\.113\.9\), not from this computer/);
      else assert.equal(warning, null);
      cleanup();
    }
    window.history.replaceState(null, '', '/approve?request=req_1');
  });

  it('after pairing or sign-in the page goes back only to a path of this site (the server\'s own rule)', async () => {
    const { nextPath } = await import('../../src-renderer/api.ts');
    const at = (next: string) => {
      window.history.replaceState(null, '', `/.latchkey/pair?next=${encodeURIComponent(next)}`);
      return nextPath();
    };
    for (const bad of ['/\t/fresh.example.test/phish', '/\n/x.example', '/\r/x.example', '/\\x.example', '/%2F/x.example', '/%5C/x.example', '//x.example', 'https://x.example/']) {
      assert.equal(at(bad), null, JSON.stringify(bad));
    }
    assert.equal(at('/jupyter/tree?x=1'), '/jupyter/tree?x=1');
    window.history.replaceState(null, '', '/approve?request=req_1');
  });

  const devicesState = { person_at_computer: true, rp_id: 'localhost', suggested_name: 'Linux PC', device: { id: 'dev_2' } } as never;

  it('Devices lists every device with its facts and "This device"; Remove asks in a dialog and removes only when confirmed', async () => {
    let devices = [device('dev_1', 'Alice phone'), device('dev_2', 'Work laptop')];
    const { calls } = fakeApi({
      'GET /.latchkey/api/devices': () => ({ status: 200, body: { devices } }),
      'POST /.latchkey/auth/register/options': () => ({ status: 200, body: { ceremony_id: 'c', options: { challenge: 'x' } } }),
      'DELETE /.latchkey/api/devices/dev_1': () => {
        devices = devices.filter((d) => d.id !== 'dev_1');
        return { status: 200, body: { revoked: 'dev_1' } };
      },
    });
    const { DevicesPage } = await import('../../src-renderer/pages/DevicesPage.tsx');
    render(createElement(DevicesPage, { state: devicesState, reloadState: async () => {} }));
    await screen.findByText('Alice phone');
    assert.ok(screen.getByText('Work laptop'));
    assert.ok(screen.getByText('This device'), 'the device in use is tagged');
    assert.equal(screen.getAllByText('Passkey').length, 2);
    assert.equal(screen.getAllByText(/Never used/).length, 2);

    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'Remove Alice phone' })); });
    assert.ok(screen.getByRole('heading', { name: 'Remove Alice phone?' }), 'a styled dialog asks first');
    assert.match(screen.getByText(/It is refused on its next request/).textContent ?? '', /pair again later/);
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'Cancel' })); });
    assert.equal(calls.filter((c) => c.method === 'DELETE').length, 0, 'cancelled: no request');

    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'Remove Alice phone' })); });
    await act(async () => { fireEvent.submit(screen.getByRole('heading', { name: 'Remove Alice phone?' }).closest('form')!); });
    await screen.findByText('Removed Alice phone.');
    assert.equal(screen.queryByText('Alice phone'), null, 'the row is gone');
    assert.deepEqual(calls.filter((c) => c.method === 'DELETE').map((c) => c.path), ['/.latchkey/api/devices/dev_1']);
  });

  it('a refused Remove shows the server\'s message and keeps the row', async () => {
    fakeApi({
      'GET /.latchkey/api/devices': () => ({ status: 200, body: { devices: [device('dev_3', 'Old tablet')] } }),
      'POST /.latchkey/auth/register/options': () => ({ status: 200, body: { ceremony_id: 'c', options: { challenge: 'x' } } }),
      'DELETE /.latchkey/api/devices/dev_3': () => ({ status: 404, body: { error: 'device_not_found', message: 'No trusted device has id dev_3.' } }),
    });
    const { DevicesPage } = await import('../../src-renderer/pages/DevicesPage.tsx');
    render(createElement(DevicesPage, { state: devicesState, reloadState: async () => {} }));
    await screen.findByText('Old tablet');
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'Remove Old tablet' })); });
    await act(async () => { fireEvent.submit(screen.getByRole('heading', { name: 'Remove Old tablet?' }).closest('form')!); });
    await screen.findByText('No trusted device has id dev_3.');
    assert.ok(screen.getByText('Old tablet'));
  });

  it('the approval window leads with the origin, asks for the code, approves with the one typed, then asks the app to close the window', async () => {
    let closed = 0;
    (window as unknown as { latchkeyDesktop: unknown }).latchkeyDesktop = { closeWindow: async () => { closed++; }, openExternal: async () => {} };
    const { calls } = fakeApi({
      'GET /.latchkey/api/devices/pending': () => ({ status: 200, body: { pending: [pending] } }),
      'POST /.latchkey/api/devices/req_1/approve': () => ({ status: 200, body: { approved: 'req_1' } }),
    });
    const { ApprovalWindowPage } = await import('../../src-renderer/pages/ApprovalWindowPage.tsx');
    render(createElement(ApprovalWindowPage));
    await screen.findByRole('heading', { name: 'box.alice.ts.net wants access' });
    for (const fact of ['iPhone · Mobile Safari 17 · iOS 17.4', 'https://box.alice.ts.net', '100.64.0.7', 'abcd ef01 2345 6789']) assert.ok(screen.getByText(fact), fact);
    assert.ok(screen.getByText('“Alice phone”'), 'the name it typed, quoted as a claim');
    const approve = screen.getByRole('button', { name: 'Approve' }) as HTMLButtonElement;
    assert.equal(approve.disabled, true, 'nothing to approve with until two digits are typed');
    const input = screen.getByLabelText('Code on the device') as HTMLInputElement;
    await act(async () => { fireEvent.change(input, { target: { value: '4x7 ' } }); });
    assert.equal(input.value, '47', 'digits only, two at most');
    await act(async () => { fireEvent.click(approve); });
    await screen.findByText('Approved Alice phone. It is signed in now.');
    assert.deepEqual(calls.filter((c) => c.method === 'POST'), [{ method: 'POST', path: '/.latchkey/api/devices/req_1/approve', body: { code: '47' } }]);
    await waitFor(() => assert.equal(closed, 1), { timeout: 3000 });
  });

  it('a wrong code shows the server\'s refusal in red, not as success', async () => {
    fakeApi({
      'GET /.latchkey/api/devices/pending': () => ({ status: 200, body: { pending: [pending] } }),
      'POST /.latchkey/api/devices/req_1/approve': () => ({ status: 409, body: { error: 'code_mismatch', message: 'Code 12 is not the one the requesting device shows, so the request was denied.' } }),
    });
    const { ApprovalWindowPage } = await import('../../src-renderer/pages/ApprovalWindowPage.tsx');
    render(createElement(ApprovalWindowPage));
    const input = await screen.findByLabelText('Code on the device');
    await act(async () => { fireEvent.change(input, { target: { value: '12' } }); });
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'Approve' })); });
    const refusal = await screen.findByText(/Code 12 is not the one/);
    assert.equal(refusal.getAttribute('role'), 'alert');
    assert.match(refusal.className, /error/);
  });

  it('the approval window for a request that is gone says so, and Deny is offered only while pending', async () => {
    fakeApi({ 'GET /.latchkey/api/devices/pending': () => ({ status: 200, body: { pending: [] } }) });
    const { ApprovalWindowPage } = await import('../../src-renderer/pages/ApprovalWindowPage.tsx');
    render(createElement(ApprovalWindowPage));
    await screen.findByText(/This request is no longer waiting/);
    assert.equal(screen.queryByRole('button', { name: 'Deny' }), null);
  });
});
