import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which process listens on a loopback TCP port, as "PID 4242 (node /usr/bin/wrangler dev)", or null when this
 * machine cannot tell (not Linux, or the process belongs to another user). Read from /proc,
 * as `ss -ltnp` does, so a "port in use" error can name what to stop.
 */
export function describePortHolder(port: number, proc = '/proc'): string | null {
  try {
    const inodes = new Set<string>();
    for (const table of ['net/tcp', 'net/tcp6']) {
      let text = '';
      try {
        text = readFileSync(`${proc}/${table}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is the tenth field.
        if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':').at(-1)!, 16) === port) inodes.add(f[9]!);
      }
    }
    if (inodes.size === 0) return null;
    for (const pid of readdirSync(proc).filter((d) => /^\d+$/.test(d))) {
      let fds: string[];
      try {
        fds = readdirSync(`${proc}/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link = '';
        try {
          link = readlinkSync(`${proc}/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1]!)) {
          // The command line says more than the name: for "node" it tells Wrangler from a dev server.
          const command = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').replace(/\s+/g, ' ') || readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
          return `PID ${pid} (${command.length > 80 ? `${command.slice(0, 79)}…` : command})`;
        }
      }
    }
    return null;
  } catch {
    return null;
  }
}
