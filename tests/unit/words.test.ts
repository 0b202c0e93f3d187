import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relative } from '../../src-renderer/api.ts';
import { waitInWords } from '../../src-server/text/waitInWords.ts';

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
});
