// Child process for the audit crash test: records lifecycle events through the real audit
// log (rotating at 64 KB), printing "ack MARKER" only after each record() has returned,
// until it is killed.
import { createAuditLog } from '../../src-server/audit/createAuditLog.ts';
import { systemClock } from '../../src-server/time/Clock.ts';

const [home, prefix] = process.argv.slice(2) as [string, string];
const log = createAuditLog(home, systemClock, { maxBytes: 64 * 1024, keep: 1000 });
for (let i = 0; ; i++) {
  const marker = `${prefix}_${i}`;
  log.record({ outcome: 'info', method: i % 2 ? 'approve' : 'revoke', device_id: `dev_${marker}`, note: 'x'.repeat(200 + (i % 300)) });
  process.stdout.write(`ack ${marker}\n`);
  // Yield now and then, so the kill can land between writes as well as during them.
  if (i % 50 === 0) await new Promise((r) => setImmediate(r));
}
