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
  id: 'req_1', code: '47', name: 'Alice phone', device_type: 'iPhone', browser: 'Mobile Safari 17', os: 'iOS 17.4',
  origin: 'https://box.alice.ts.net', fingerprint: 'abcd ef01 2345 6789', ip: '100.64.0.7',
  created_at: '2026-11-22T10:00:00.000Z', expires_at: '2026-11-22T10:05:00.000Z',
};

// The page only reads person_at_computer from the state; the fallback section's own status call answers 'all off'.
const atComputer = { person_at_computer: true } as never;
const fallbacksOff = () => ({ status: 200, body: {
  backup_codes: { enabled: false, left: 0, created_at: null, last_used_at: null }, totp: { enabled: false, enrolling: false, last_used_at: null },
  password: { enabled: false, set_at: null, with_totp: false, last_used_at: null }, email: { enabled: false, address: null, smtp_configured: false, last_used_at: null },
} });

describe('renderer pages (unit, jsdom with a fake API)', () => {
  afterEach(() => cleanup());

  it('Trusted Devices lists every device; Remove asks first and removes only when confirmed', async () => {
    let devices = [device('dev_1', 'Alice phone'), device('dev_2', 'Work laptop')];
    const { calls } = fakeApi({
      'GET /.latchkey/api/devices': () => ({ status: 200, body: { devices } }),
      'GET /.latchkey/api/fallbacks': fallbacksOff,
      'DELETE /.latchkey/api/devices/dev_1': () => {
        devices = devices.filter((d) => d.id !== 'dev_1');
        return { status: 200, body: { revoked: 'dev_1' } };
      },
    });
    const { TrustedDevicesPage } = await import('../../src-renderer/pages/TrustedDevicesPage.tsx');
    render(createElement(TrustedDevicesPage, { state: atComputer }));
    await screen.findByText('Alice phone');
    assert.ok(screen.getByText('Work laptop'));
    assert.equal(screen.getAllByRole('button', { name: 'Remove' }).length, 2);

    window.confirm = () => false;
    await act(async () => { fireEvent.click(screen.getAllByRole('button', { name: 'Remove' })[0]!); });
    assert.equal(calls.filter((c) => c.method === 'DELETE').length, 0, 'dismissed: no request');

    let question = '';
    window.confirm = (q?: string) => { question = q ?? ''; return true; };
    await act(async () => { fireEvent.click(screen.getAllByRole('button', { name: 'Remove' })[0]!); });
    assert.match(question, /^Remove "Alice phone"\? It is refused on its next request/);
    await screen.findByText('Removed Alice phone.');
    assert.equal(screen.queryByText('Alice phone'), null, 'the row is gone');
    assert.deepEqual(calls.filter((c) => c.method === 'DELETE').map((c) => c.path), ['/.latchkey/api/devices/dev_1']);
  });

  it('a refused Remove shows the server\'s message and keeps the row', async () => {
    fakeApi({
      'GET /.latchkey/api/devices': () => ({ status: 200, body: { devices: [device('dev_3', 'Old tablet')] } }),
      'GET /.latchkey/api/fallbacks': fallbacksOff,
      'DELETE /.latchkey/api/devices/dev_3': () => ({ status: 404, body: { error: 'device_not_found', message: 'No trusted device has id dev_3.' } }),
    });
    const { TrustedDevicesPage } = await import('../../src-renderer/pages/TrustedDevicesPage.tsx');
    render(createElement(TrustedDevicesPage, { state: atComputer }));
    await screen.findByText('Old tablet');
    window.confirm = () => true;
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'Remove' })); });
    await screen.findByText('No trusted device has id dev_3.');
    assert.ok(screen.getByText('Old tablet'));
  });

  it('the approval window shows every fact, approves, then asks the app to close the window', async () => {
    let closed = 0;
    (window as unknown as { latchkeyDesktop: unknown }).latchkeyDesktop = { closeWindow: async () => { closed++; }, openExternal: async () => {} };
    const { calls } = fakeApi({
      'GET /.latchkey/api/devices/pending': () => ({ status: 200, body: { pending: [pending] } }),
      'POST /.latchkey/api/devices/req_1/approve': () => ({ status: 200, body: { approved: 'req_1' } }),
    });
    const { ApprovalWindowPage } = await import('../../src-renderer/pages/ApprovalWindowPage.tsx');
    render(createElement(ApprovalWindowPage));
    await screen.findByText('code 47');
    for (const fact of ['iPhone · Mobile Safari 17 · iOS 17.4', 'https://box.alice.ts.net', '100.64.0.7', 'abcd ef01 2345 6789']) assert.ok(screen.getByText(fact), fact);
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'Approve' })); });
    await screen.findByText('Approved Alice phone. It is signed in now.');
    assert.deepEqual(calls.at(-1), { method: 'POST', path: '/.latchkey/api/devices/req_1/approve', body: undefined });
    await waitFor(() => assert.equal(closed, 1), { timeout: 3000 });
  });

  it('the approval window for a request that is gone says so, and Deny is offered only while pending', async () => {
    fakeApi({ 'GET /.latchkey/api/devices/pending': () => ({ status: 200, body: { pending: [] } }) });
    const { ApprovalWindowPage } = await import('../../src-renderer/pages/ApprovalWindowPage.tsx');
    render(createElement(ApprovalWindowPage));
    await screen.findByText(/This request is no longer waiting/);
    assert.equal(screen.queryByRole('button', { name: 'Deny' }), null);
  });
});
