import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relative } from '../../src-renderer/api.ts';
import { waitInWords } from '../../src-server/text/waitInWords.ts';
import { describeAuditEvent } from '../../src-server/audit/describeAuditEvent.ts';

describe('times and durations in words', () => {
  it('a wait is in seconds below a minute and a half, then in whole minutes rounded up, never "435 s"', () => {
    assert.deepEqual([1, 45, 89, 90, 435, 600].map(waitInWords), ['1 second', '45 seconds', '89 seconds', '2 minutes', '8 minutes', '10 minutes']);
    assert.equal(waitInWords(0.2), '1 second');
  });

  it('dates read the one way, relative, in both directions', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    assert.deepEqual([-10_000, -5 * 60_000, -3 * 3600_000, -2 * 86_400_000, 4 * 86_400_000, 30_000].map((ms) => relative(at(ms), now)),
      ['just now', '5 min ago', '3 h ago', '2 days ago', 'in 4 days', 'in a moment']);
    assert.match(relative(at(-90 * 86_400_000), now), /^on \d+ [A-Z][a-z]+$/);
  });

  it('Activity names the phone an approval came from, the guest and its app, what a removed phone had approved, and shares', () => {
    const names = { device: (id: string) => ({ dev_pixel: 'Pixel 8', dev_ipad: 'iPad' } as Record<string, string>)[id], token: () => undefined };
    const line = (e: Record<string, unknown>) => describeAuditEvent({ seq: 1, time: '2026-12-02T12:00:00Z', outcome: 'info', method: 'x', ...e } as never, names);
    assert.deepEqual([
      line({ method: 'approve', outcome: 'success', device_id: 'dev_ipad', approver_device_id: 'dev_pixel', approver_name: 'Pixel 8' }),
      line({ method: 'approve', outcome: 'success', device_id: 'dev_bob', name: 'Bob phone', app: 'vite', invited_as: 'Bob', approver_device_id: 'dev_gone', approver_name: 'Old phone' }),
      line({ method: 'deny', outcome: 'failure', name: 'iPad', reason: 'wrong_code_picked', approver_device_id: 'dev_pixel' }),
      line({ method: 'revoke', device_id: 'dev_pixel', had_approved: [{ id: 'dev_ipad', name: 'iPad' }, { id: 'dev_x', name: 'Tablet' }] }),
      line({ method: 'share-create', app: 'vite', name: 'Bob' }),
      line({ method: 'share-revoke', app: 'vite', name: 'Bob' }),
      line({ method: 'approve', outcome: 'failure', reason: 'assertion_for_other_request', ip: '100.64.0.9' }),
    ], [
      'iPad was approved from Pixel 8',
      '“Bob phone” was approved, a guest of vite invited as “Bob” from Old phone',
      '“iPad” was denied: the code typed on Pixel 8 did not match',
      'Pixel 8 was removed; it had approved iPad, “Tablet”',
      'Shared vite with “Bob”',
      'Stopped sharing vite with “Bob”',
      'An approval from a phone was refused (assertion for other request) from 100.64.0.9',
    ]);
  });

  it('Activity says who did what in words, with the name a removed device had, and no internal names', () => {
    const names = { device: (id: string) => (id === 'dev_here' ? 'Alice iPhone' : undefined), token: () => undefined };
    const line = (e: Record<string, unknown>) => describeAuditEvent({ seq: 1, time: '2026-12-02T12:00:00Z', outcome: 'info', method: 'x', ...e } as never, names);
    assert.deepEqual([
      line({ method: 'revoke', device_id: 'dev_gone', name: 'Old tablet' }),
      line({ method: 'revoke', device_id: 'dev_here', name: 'Renamed since' }),
      line({ method: 'passkey-register', name: 'Pixel 8', device_type: 'Android phone', ip: '100.64.0.7', origin: 'https://box.alice.ts.net' }),
      line({ method: 'deny', outcome: 'failure', name: 'Pixel 8', reason: 'wrong_code_picked' }),
      line({ method: 'pairing-cancel', name: 'Pixel 8' }),
      line({ method: 'app-add', app: 'vite', upstream: 'http://localhost:5173', ip: '::1' }),
      line({ method: 'alert-ack' }),
      line({ method: 'passkey-register', outcome: 'failure', reason: 'too_many_pairings', ip: '203.0.113.5' }),
    ], [
      '“Old tablet” was removed',
      'Alice iPhone was removed',
      '“Pixel 8” (Android phone) asked to pair from 100.64.0.7 via box.alice.ts.net',
      '“Pixel 8” was denied: the code typed on the computer did not match',
      '“Pixel 8” was cancelled on the device itself',
      'App vite was put behind the gate (http://localhost:5173)',
      'An alert was acknowledged on the computer',
      'A pairing was refused: too many from one address in 10 minutes from 203.0.113.5',
    ]);
  });

  it('Activity names an agent, its app and each tool call in words, keys and phones too', () => {
    const names = { device: (id: string) => (id === 'dev_pixel' ? 'Pixel 8' : undefined), token: (id: string) => (id === 'key_1' ? 'cursor' : undefined) };
    const line = (e: Record<string, unknown>) => describeAuditEvent({ seq: 1, time: '2026-12-02T12:00:00Z', outcome: 'info', method: 'x', ...e } as never, names);
    assert.deepEqual([
      line({ method: 'mcp-tool-call', client_id: 'c1', name: 'Claude', app: 'tools', tool: 'echo', result: 'sent', ip: '127.0.0.1' }),
      line({ method: 'mcp-tool-call', token_id: 'key_1', app: 'tools', tool: 'admin_reset', result: 'denied' }),
      line({ method: 'mcp-tool-call', client_id: 'c1', name: 'Claude', app: 'tools', tool: 'add', result: 'sent', count: 3 }),
      line({ method: 'mcp-tool-call', client_id: 'c1', name: 'Claude', app: 'tools', tool: 'add', result: 'app_status_500' }),
      line({ method: 'agent-register', client_id: 'c1', name: 'Claude', redirect_hosts: ['127.0.0.1:3334'], origin: 'https://box.alice.ts.net' }),
      line({ method: 'agent-waiting', client_id: 'c1', name: 'Claude', app: 'tools', device_id: 'dev_pixel' }),
      line({ method: 'agent-allow', client_id: 'c1', name: 'Claude', app: 'tools', device_id: 'dev_pixel', approved_on_computer: true }),
      line({ method: 'agent-allow', client_id: 'c2', name: 'Cursor', app: 'tools', device_id: null }),
      line({ method: 'agent-revoke', client_id: 'c1', device_id: 'dev_pixel', reason: 'granting_device_removed' }),
      line({ method: 'agent-grant-revoked', grant_id: 'g1', reason: 'token_reused' }),
      line({ method: 'agent-grant-revoked', grant_id: 'g1', reason: 'revoked_by_agent' }),
    ], [
      'Agent “Claude” called echo on tools from 127.0.0.1',
      'Key “cursor” was refused the tool admin_reset on tools',
      'Agent “Claude” called add on tools, 3 times',
      'Agent “Claude” called add on tools, and the app answered 500',
      'Agent “Claude” registered, returning to 127.0.0.1:3334 via box.alice.ts.net',
      'Pixel 8 allowed agent “Claude” to use tools; waiting for the computer to type its code',
      'Agent “Claude” was allowed to use tools by Pixel 8, confirmed on the computer',
      'Agent “Cursor” was allowed to use tools on the computer',
      'Agent c1 was revoked with Pixel 8',
      'An agent\'s refresh token or code was used a second time, so everything it was given was revoked (a stolen token, or a client that lost track of its own)',
      'An agent signed itself out (revoked its own token)',
    ]);
  });
});
