// npm run bench, third part: what a password check costs, and that it costs the event loop
// nothing. argon2id (19 MiB, t=2) runs on libuv's thread pool via @node-rs/argon2; if it ran
// on the event loop, every request would wait behind each check. Measured here: the median
// time of one verify, and the event loop's p99 delay while 16 verifies run at once, against
// its delay while idle, in the same run.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { hashSecret, verifySecret } from '../../src-server/fallbacks/hashSecret.ts';

const PASSWORD = 'violet staple orbit 1987';
const phc = await hashSecret(PASSWORD);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const times: number[] = [];
for (let i = 0; i < 15; i++) {
  const start = performance.now();
  if (!await verifySecret(phc, PASSWORD)) throw new Error('verify failed');
  times.push(performance.now() - start);
}

async function loopDelayP99(work: () => Promise<unknown>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await work();
  h.disable();
  return h.percentile(99) / 1e6;
}
const idle = await loopDelayP99(() => new Promise((r) => setTimeout(r, 1000)));
let burst = 0;
const busy = await loopDelayP99(async () => {
  const start = performance.now();
  await Promise.all(Array.from({ length: 16 }, () => verifySecret(phc, PASSWORD)));
  burst = performance.now() - start;
});

const verify = median(times);
console.log(`\npassword verify (argon2id m=19456 KiB, t=2, p=1): median ${verify.toFixed(1)} ms over ${times.length}`);
console.log(`event loop p99 delay: idle ${idle.toFixed(1)} ms, during 16 parallel verifies (${burst.toFixed(0)} ms of hashing) ${busy.toFixed(1)} ms`);
// On the loop, 16 verifies would stall it for their whole duration; off it, the delay stays near idle.
const offLoop = busy < Math.max(idle * 3, 10) && busy < burst / 4;
console.log(`argon2 off the event loop: ${offLoop ? 'yes' : 'NO'} (target: p99 delay under max(3x idle, 10 ms) and under a quarter of the hashing time)`);
if (!offLoop) process.exitCode = 1;
