// Preloaded into an app under test (NODE_OPTIONS=--import …/blockNetwork.mjs) so it cannot dial
// out: `next dev` asks the registry for the newest version and for advisories. Every outbound
// connection that is not to loopback fails as refused, and is written, one line each, to the file
// named by LATCHKEY_BLOCKED_LOG, so a test can count what the app tried.
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\]|::ffff:127\.\d+\.\d+\.\d+)$/i;
const log = process.env.LATCHKEY_BLOCKED_LOG;

function target(args) {
  const [first, second] = args;
  if (Array.isArray(first)) return target(first); // the internal normalised form
  if (first && typeof first === 'object') return first.path ? null : String(first.host ?? 'localhost');
  if (typeof first === 'number' || /^\d+$/.test(String(first))) return typeof second === 'string' ? second : 'localhost';
  return null; // a Unix socket path
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const host = target(args);
  if (host === null || LOOPBACK.test(host)) return connect.apply(this, args);
  if (log) appendFileSync(log, `${host}\n`);
  const err = Object.assign(new Error(`connect ECONNREFUSED ${host} (outbound connections are blocked in tests)`), { code: 'ECONNREFUSED' });
  process.nextTick(() => this.destroy(err));
  return this;
};
