import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The live file, and rotated ones `audit.1.jsonl` (newest) … `audit.N.jsonl` (oldest). */
export const AUDIT_FILE = 'audit.jsonl';
export const rotatedName = (n: number) => `audit.${n}.jsonl`;

/** Every audit line starts with its sequence number, so it can be found without parsing the rest. */
const SEQ = /^\{"seq":(\d+),/;
export const seqOf = (line: string): number | null => {
  const m = SEQ.exec(line);
  return m ? Number(m[1]) : null;
};

/** The audit files of a home folder, oldest first. */
export function auditFiles(home: string): string[] {
  const rotated = readdirSync(home)
    .map((name) => /^audit\.(\d+)\.jsonl$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ n: Number(m[1]), path: join(home, m[0]) }))
    .sort((a, b) => b.n - a.n)
    .map((f) => f.path);
  const live = join(home, AUDIT_FILE);
  return existsSync(live) ? [...rotated, live] : rotated;
}

const CHUNK = 64 * 1024;
// Audit lines are a few hundred bytes; a probe reads this much to see one whole.
const LONGEST_LINE = 16 * 1024;

/**
 * Reads whole lines of a file backwards from `end` (a byte offset), a chunk at a time,
 * newest first. The consumer returns false to stop; only one chunk is held at a time.
 */
export function eachLineBackward(path: string, end: number, visit: (line: string, start: number) => boolean) {
  const fd = openSync(path, 'r');
  try {
    let pos = end;
    let carry = Buffer.alloc(0);
    while (pos > 0) {
      const size = Math.min(CHUNK, pos);
      pos -= size;
      const buf = Buffer.alloc(size);
      readSync(fd, buf, 0, size, pos);
      let data = Buffer.concat([buf, carry]);
      let cut = data.length;
      for (let i = data.length - 1; i >= 0; i--) {
        if (data[i] !== 0x0a) continue;
        if (i + 1 < cut && !visit(data.toString('utf8', i + 1, cut), pos + i + 1)) return;
        cut = i;
      }
      carry = data.subarray(0, cut);
      data = Buffer.alloc(0);
    }
    if (carry.length > 0) visit(carry.toString('utf8'), 0);
  } finally {
    closeSync(fd);
  }
}

/** Reads whole lines forward from `start`; the consumer returns false to stop. */
export function eachLineForward(path: string, start: number, visit: (line: string, start: number) => boolean) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let pos = start;
    let carry = Buffer.alloc(0);
    let carryStart = start;
    while (pos < size) {
      const n = Math.min(CHUNK, size - pos);
      const buf = Buffer.alloc(n);
      readSync(fd, buf, 0, n, pos);
      const data = Buffer.concat([carry, buf]);
      let from = 0;
      for (let i = 0; i < data.length; i++) {
        if (data[i] !== 0x0a) continue;
        if (i > from && !visit(data.toString('utf8', from, i), carryStart + from)) return;
        from = i + 1;
      }
      carryStart += from;
      carry = data.subarray(from);
      pos += n;
    }
    // A last line with no newline is a torn write in progress or from a crash: not yet a line.
  } finally {
    closeSync(fd);
  }
}

/** The seq of a line that is whole: a torn line may start like any other, so it must parse. */
function wholeSeq(line: string): number | null {
  const seq = seqOf(line);
  if (seq === null) return null;
  try {
    JSON.parse(line);
    return seq;
  } catch {
    return null;
  }
}

/** The sequence number of a file's first whole line (null for an empty file). */
export function firstSeq(path: string): number | null {
  let seq: number | null = null;
  eachLineForward(path, 0, (line) => {
    seq = wholeSeq(line);
    return seq === null; // skip a torn first line
  });
  return seq;
}

/** The sequence number of a file's last whole line. */
export function lastSeq(path: string): number | null {
  let seq: number | null = null;
  eachLineBackward(path, statSync(path).size, (line) => {
    seq = wholeSeq(line);
    return seq === null;
  });
  return seq;
}

/**
 * The byte offset of the first line whose seq is ≥ `seq` (the file's size if none), by
 * binary search over byte offsets: O(log n) small reads, whatever the file's size.
 */
export function offsetOfSeq(path: string, seq: number): number {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(4096);
  const line = Buffer.alloc(LONGEST_LINE);
  // The first whole line starting at or after `at`: its offset and seq.
  const lineAt = (at: number): { offset: number; seq: number | null } => {
    let pos = at;
    if (at > 0) {
      // Find the end of the line `at` falls in.
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos - 1);
        if (n <= 0) return { offset: size, seq: null };
        const nl = buf.subarray(0, n).indexOf(0x0a);
        if (nl >= 0) {
          pos = pos - 1 + nl + 1;
          break;
        }
        pos += n;
      }
    }
    if (pos >= size) return { offset: size, seq: null };
    // The whole line, so a torn one (which may claim any number) is recognised and stepped over.
    const n = readSync(fd, line, 0, Math.min(line.length, size - pos), pos);
    const nl = line.subarray(0, n).indexOf(0x0a);
    return { offset: pos, seq: nl < 0 ? null : wholeSeq(line.toString('utf8', 0, nl)) };
  };
  try {
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const found = lineAt(mid);
      // A torn line has no seq: step past it.
      let probe = found;
      while (probe.seq === null && probe.offset < size) probe = lineAt(probe.offset + 1);
      if (probe.seq === null || probe.seq >= seq) hi = mid;
      else lo = mid + 1;
    }
    // The first whole line: a torn line just before it belongs to the older side (it is read, and counted, there).
    let found = lineAt(lo);
    while (found.seq === null && found.offset < size) found = lineAt(found.offset + 1);
    return found.offset;
  } finally {
    closeSync(fd);
  }
}
