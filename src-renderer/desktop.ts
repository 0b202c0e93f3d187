/**
 * The desktop app's preload API, when the page runs inside it (undefined in a browser).
 * Its type comes from the preload's own implementation, so the two cannot drift.
 */
export const desktop = (window as unknown as { latchkeyDesktop?: typeof import('../src-main/preload.ts').latchkeyDesktop }).latchkeyDesktop;
