import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { alertsFromConfig } from '../../src-server/alerts/alertsFromConfig.ts';
import { createSpikeDetector, describeAlert } from '../../src-server/alerts/createSpikeDetector.ts';
import type { SpikeAlert } from '../../src-server/alerts/openAlertStore.ts';
import { auditRotationFromConfig } from '../../src-server/audit/auditRotationFromConfig.ts';
import { startServer, tempHome } from '../helpers/startServer.ts';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

describe('alerts and audit settings, checked at start-up', () => {
  it('defaults; a webhook must be https (http only to loopback) with a whsec_ secret and known event names', () => {
    assert.deepEqual(alertsFromConfig(undefined), { failuresPerClient: 10, failuresTotal: 30, windowMs: 300_000, webhook: null });
    const ok = alertsFromConfig({ webhook: { url: 'https://hooks.example.com/x', secret: SECRET, events: { 'device.pending': false } }, window: '10m' });
    assert.equal(ok.windowMs, 600_000);
    assert.deepEqual([...ok.webhook!.events].sort(), ['alert.spike', 'device.approved', 'device.revoked', 'fallback.backup_code_used', 'key.expiring']);
    assert.ok(alertsFromConfig({ webhook: { url: 'http://127.0.0.1:9000/hook', secret: SECRET } }).webhook);
    const refuse = (alerts: Parameters<typeof alertsFromConfig>[0], re: RegExp) => assert.throws(() => alertsFromConfig(alerts), (e: Error) => re.test(e.message));
    refuse({ webhook: { url: 'http://hooks.example.com/x', secret: SECRET } }, /"alerts\.webhook\.url" must be an https:\/\/ URL/);
    refuse({ webhook: { url: 'https://user:pw@hooks.example.com/x', secret: SECRET } }, /without user or password/);
    refuse({ webhook: { url: 'https://hooks.example.com/x', secret: 'not-a-secret' } }, /whsec_ followed by base64/);
    refuse({ webhook: { url: 'https://hooks.example.com/x', secret: SECRET, events: { 'device.exploded': false } } }, /unknown event "device\.exploded"/);
    refuse({ window: 'fortnightly' }, /alerts\.window: "fortnightly" is not a duration/);
    assert.deepEqual(auditRotationFromConfig({ max_file_size: '2MB', keep_files: 9 }), { maxBytes: 2 * 1024 * 1024, keep: 9 });
    assert.throws(() => auditRotationFromConfig({ max_file_size: '10 parsecs' }), /"audit\.max_file_size" must be a size from 64KB to 1GB/);
    assert.throws(() => auditRotationFromConfig({ max_file_size: '1KB' }), /from 64KB/);
  });

  it('a bad webhook URL stops the start with one message naming the key', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'config.json'), JSON.stringify({ alerts: { webhook: { url: 'ftp://x', secret: SECRET } } }));
    await assert.rejects(startServer({ home }), (e: Error & { code?: string }) => e.code === 'config_invalid' && /config\.json: "alerts\.webhook\.url"/.test(e.message));
  });

  it('the total threshold catches many clients sharing the guesses; one alert per window, a new one after it', () => {
    const opened: SpikeAlert[] = [];
    let updates = 0;
    const d = createSpikeDetector({ failuresPerClient: 10, failuresTotal: 30, windowMs: 300_000 }, { opened: (a) => opened.push(a), updated: () => updates++ });
    const t0 = Date.parse('2026-11-23T00:00:00Z');
    const fail = (i: number, at: number) => d.see({ seq: i, time: new Date(at).toISOString(), outcome: 'failure', method: 'passkey-login', ip: `198.51.100.${i % 15}`, origin: 'https://box.alice.ts.net', reason: 'unknown_credential' });
    for (let i = 0; i < 29; i++) fail(i, t0 + i * 1000);
    assert.equal(opened.length, 0, '29 from 15 clients: below both thresholds');
    d.see({ seq: 99, time: new Date(t0 + 29_500).toISOString(), outcome: 'failure', method: 'session', reason: 'session_expired', ip: '1.1.1.1' });
    d.see({ seq: 98, time: new Date(t0 + 29_600).toISOString(), outcome: 'failure', method: 'deny', ip: '1.1.1.1' });
    assert.equal(opened.length, 0, 'an expired session and a denial are not attacks');
    fail(29, t0 + 30_000);
    assert.equal(opened.length, 1);
    assert.equal(opened[0]!.failures, 30);
    assert.equal(describeAlert(opened[0]!, 300_000), '30 failed sign-ins in 5 minutes from 15 addresses (most: 198.51.100.0, 2) on box.alice.ts.net');
    for (let i = 30; i < 60; i++) fail(i, t0 + 31_000 + i);
    assert.deepEqual([opened.length, updates], [1, 30], 'the same window only updates');
    for (let i = 60; i < 90; i++) fail(i, t0 + 400_000 + i);
    assert.equal(opened.length, 2, 'the next window alerts again');
  });
});
